import { parseDataSpec, type OpenDatasetOptions } from '../data/index.js';
import type { Graph } from '../graph/index.js';

/** The dataset settings every pipeline entry point takes (as on the CLI: --seed, --train-subset, --val-size, --image-size). */
export type DatasetSettings = { seed?: number | undefined; trainSubset?: number | undefined; valSize?: number | undefined; imageSize?: number | undefined };

/** openDataset's options from the settings that are set. */
export function datasetOptions(s: DatasetSettings): OpenDatasetOptions {
  return {
    seed: s.seed ?? 0,
    ...(s.trainSubset === undefined ? {} : { trainSubset: s.trainSubset }),
    ...(s.valSize === undefined ? {} : { valSize: s.valSize }),
    ...(s.imageSize === undefined ? {} : { imageSize: s.imageSize }),
  };
}

/**
 * The side to resize a folder dataset's images to when none is given: the model's, when its input has a fixed square
 * size ([N, C, S, S], or channels last [N, S, S, C]); null for other datasets (their images have one size) or models.
 */
export function modelImageSize(g: Graph, spec: string): number | null {
  if (parseDataSpec(spec).kind !== 'folder') return null;
  const s = g.inputs[0]?.shape;
  if (!s || s.length !== 4) return null;
  const square = (a: unknown, b: unknown): a is number => typeof a === 'number' && a === b && a > 0;
  if (square(s[2], s[3])) return s[2];
  if (square(s[1], s[2])) return s[1];
  return null;
}
