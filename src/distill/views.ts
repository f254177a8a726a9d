import type { Dataset } from '../data/index.js';
import { ConfigError } from '../errors.js';

/** Which views of each image a model's logits are taken over: the image, or the mean with its mirror image. */
export const VIEWS = ['off', 'flip'] as const;
export type Views = (typeof VIEWS)[number];

/** Mirror images as views only where they keep their class: datasets whose default augmentation flips. */
export function checkViews(views: Views, ds: Dataset, option: string): void {
  if (views === 'flip' && ds.defaultAugment?.flip !== true) {
    throw new ConfigError(option, `'flip' needs images whose mirror image has the same class, and ${ds.spec}'s default augmentation does not flip (digits, or grey .npy data)`, 'leave it off (the default)');
  }
}
