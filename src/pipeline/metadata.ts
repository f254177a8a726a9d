import type { Dataset } from '../data/index.js';
import type { Graph } from '../graph/index.js';
import { pixelScale } from './normalization.js';

/**
 * The ONNX metadata_props every model whittle writes carries, so that a user can feed it: `whittle.preprocess`
 * (input = (pixel * scale - mean) / std per channel, pixels as stored in the dataset; image sets only) and
 * `whittle.labels`.
 */
export function modelMetadata(ds: Dataset): Record<string, string> {
  // a tensor set is fed as stored: nothing to normalise, so no whittle.preprocess
  const tensors = ds.inputs.every((i) => !i.image);
  return {
    ...(tensors ? {} : { 'whittle.preprocess': JSON.stringify({ scale: pixelScale(ds), mean: ds.mean, std: ds.std }) }),
    'whittle.labels': JSON.stringify(ds.classes),
  };
}

const listed = (names: readonly string[], n = 5): string => `[${names.slice(0, n).join(', ')}${names.length > n ? ', …' : ''}]`;

/**
 * A warning when a model's `whittle.labels` name other classes than the dataset's (outputs are matched to classes by
 * position); none when the model has no such metadata, or the dataset's classes are only numbered (IDX, .npy, CIFAR).
 */
export function labelWarnings(model: Graph, ds: Dataset, what = 'model'): string[] {
  let labels: unknown;
  try {
    labels = JSON.parse(model.metadata['whittle.labels'] ?? 'null');
  } catch {
    return [];
  }
  if (!Array.isArray(labels) || labels.length !== ds.classes.length || !labels.every((l) => typeof l === 'string')) return [];
  const names = labels as string[];
  if (names.every((l, i) => l === ds.classes[i]) || ds.classes.every((c, i) => c === String(i))) return [];
  const sorted = [...ds.classes].sort();
  const sameSet = [...names].sort().every((l, i) => l === sorted[i]);
  return [sameSet
    ? `the ${what}'s classes (whittle.labels) are the dataset's in another order: ${listed(names)} against ${listed(ds.classes)}; output i is scored as the dataset's class i, so its accuracy is wrong`
    : `the ${what}'s classes (whittle.labels) ${listed(names)} are not the dataset's ${listed(ds.classes)}; output i is scored as the dataset's class i`];
}
