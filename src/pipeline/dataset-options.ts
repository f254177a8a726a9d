import type { OpenDatasetOptions } from '../data/index.js';

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
