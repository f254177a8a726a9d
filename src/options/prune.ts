import { z } from 'zod';
import { CRITERIA } from '../prune/index.js';
import type { Dataset } from '../data/index.js';
import { choice, flag, int, num, optional, textList, withDefault, type CheckedOf, type OptionsOf } from './option.js';
import { dataOption, datasetOptions, modelOption, normalizationOptions } from './common.js';

/** prune()'s options and `whittle prune`'s flags. */
export const pruneSpec = {
  ratio: optional(num('target size as a fraction of the model, in (0, 1] (required unless widthsOf)', (r) => r > 0 && r <= 1, 'must be in (0, 1]', { arg: '<r>' })),
  widthsOf: optional(modelOption("instead of a ratio: keep in each channel group as many channels as this model of the same architecture has (ONNX file or model; e.g. another run's student, so that a baseline gets its widths)")),
  metric: withDefault(choice('what the ratio measures: params or macs', ['params', 'macs'] as const), 'params'),
  criterion: withDefault(choice('channel importance', CRITERIA), 'l1'),
  global: optional(flag('rank channels across all groups (the default)')),
  uniform: optional(flag('remove the same fraction from every group instead')),
  roundTo: withDefault(int('keep channel counts that are multiples of N', 1), 1),
  minChannels: withDefault(int('the fewest channels a group keeps', 1), 1),
  ignore: optional(textList('node names to leave untouched (comma-separated on the command line)', { arg: '<names>' })),
  reduction: withDefault(choice('how scores combine over a group: sum, mean or max', ['sum', 'mean', 'max'] as const), 'sum'),
  data: optional({
    ...dataOption,
    help: 'dataset for criterion taylor (a spec, or an open Dataset)',
    schema: z.union([z.string().min(1), z.custom<Dataset>((v) => typeof v === 'object' && v !== null && 'train' in v && 'classes' in v)], { error: 'expected a dataset spec or a Dataset' }),
  }),
  imageSize: datasetOptions.imageSize,
  channels: datasetOptions.channels,
  ...normalizationOptions,
  batches: withDefault(int('batches of data for taylor', 1), 8),
  batchSize: withDefault(int('batch size for taylor', 1), 64),
  seed: withDefault(int('seed for random and the data', 0, { max: 0xffffffff }), 0),
} as const;

export type PruneApiOptions = OptionsOf<typeof pruneSpec>;
export type CheckedPruneOptions = CheckedOf<typeof pruneSpec>;
