import { add, flip, mul, tidy, type Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { forward } from './evaluate.js';

/** What the teacher's targets are: its logits on each image, or their mean over the image and its mirror image. */
export const TEACHER_VIEWS = ['off', 'flip'] as const;
export type TeacherViews = (typeof TEACHER_VIEWS)[number];

/**
 * The teacher's logits in eval mode for a batch of [N, C, H, W] images: with 'flip' the mean of its logits on the
 * images and on them mirrored left to right (a two-view ensemble of the teacher, for datasets whose mirror images
 * keep their class).
 */
export function teacherLogits(teacher: Graph, x: Tensor, views: TeacherViews): Tensor {
  if (views === 'off') return forward(teacher, x, false);
  return tidy(() => mul(add(forward(teacher, x, false), forward(teacher, flip(x, [3]), false)), 0.5));
}
