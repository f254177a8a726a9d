import type { Dataset } from '../data/index.js';
import { pixelScale } from './normalization.js';

/**
 * The ONNX metadata_props every model whittle writes carries, so that a user can feed it: `whittle.preprocess`
 * (input = (pixel * scale - mean) / std per channel, pixels as stored in the dataset) and `whittle.labels`.
 */
export function modelMetadata(ds: Dataset): Record<string, string> {
  return {
    'whittle.preprocess': JSON.stringify({ scale: pixelScale(ds), mean: ds.mean, std: ds.std }),
    'whittle.labels': JSON.stringify(ds.classes),
  };
}
