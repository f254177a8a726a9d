import { flag, optional, type CheckedOf, type OptionsOf } from './option.js';
import { datasetOptions } from './common.js';

/** openDataset()'s options and `whittle data inspect`'s flags. */
export const openDatasetSpec = {
  ...datasetOptions,
  strict: optional(flag('folder datasets: fail on an unreadable image instead of skipping it')),
} as const;

export type DatasetOptions = OptionsOf<typeof openDatasetSpec>;
export type CheckedDatasetOptions = CheckedOf<typeof openDatasetSpec>;
