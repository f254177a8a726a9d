import { z } from 'zod';
import { CRITERIA } from '../prune/index.js';
import { RUNTIMES } from '../runtime/index.js';
import type { Dataset } from '../data/index.js';
import { choice, flag, int, num, optional, placed, textList, withDefault, type CheckedOf, type OptionsOf } from './option.js';
import { dataOption, datasetOptions, modelOption, normalizationOptions, transformerOptions } from './common.js';

/** prune()'s options and `whittle prune`'s flags. */
export const pruneSpec = {
  ratio: placed('pruning', optional(num('target size as a fraction of the model, in (0, 1] (required unless widthsOf)', (r) => r > 0 && r <= 1, 'must be in (0, 1]', { arg: '<r>' })), { tier: 'basic' }),
  widthsOf: placed('pruning', optional(modelOption("instead of a ratio: keep in each channel group as many channels as this model of the same architecture has (ONNX file or model; e.g. another run's student, so that a baseline gets its widths)"))),
  metric: placed('pruning', withDefault(choice('what the ratio measures: params, macs, or latency (measured on --runtime: a table of each channel group\'s latency over its widths, then the pruned model timed whole until within 5% of the target)', ['params', 'macs', 'latency'] as const), 'params')),
  runtime: placed('pruning', withDefault(choice('with --metric latency: the runtime latency is measured on', RUNTIMES), 'onnxruntime-node')),
  latencyBatch: placed('pruning', withDefault(int('with --metric latency: the batch size latency is measured at', 1), 1)),
  latencyThreads: placed('pruning', withDefault(int('with --metric latency: the runtime\'s intra-op threads', 1), 1)),
  criterion: placed('pruning', withDefault(choice('channel importance', CRITERIA), 'l1'), { tier: 'basic' }),
  global: placed('pruning', optional(flag('rank channels across all groups (the default)'))),
  uniform: placed('pruning', optional(flag('remove the same fraction from every group instead'))),
  roundTo: placed('pruning', optional(int('keep channel counts that are multiples of N', 1, { defaultText: '1, 8 with --metric latency' }))),
  minChannels: placed('pruning', withDefault(int('the fewest channels a group keeps', 1), 1)),
  ignore: placed('pruning', optional(textList('node names to leave untouched (comma-separated on the command line)', { arg: '<names>' }))),
  ...transformerOptions,
  reduction: placed('pruning', withDefault(choice('how scores combine over a group: sum, mean or max', ['sum', 'mean', 'max'] as const), 'sum')),
  data: optional({
    ...dataOption,
    help: 'dataset for criterion taylor or activation (a spec, or an open Dataset)',
    schema: z.union([z.string().min(1), z.custom<Dataset>((v) => typeof v === 'object' && v !== null && 'train' in v && 'classes' in v)], { error: 'expected a dataset spec or a Dataset' }),
  }),
  imageSize: placed('data', datasetOptions.imageSize),
  channels: placed('data', datasetOptions.channels),
  ...normalizationOptions,
  batches: placed('pruning', withDefault(int('batches of data for taylor', 1), 8)),
  calibrationBatches: placed('pruning', withDefault(int('batches of data whose mean |activation| ranks the units, for criterion activation', 1), 8)),
  batchSize: placed('pruning', withDefault(int('batch size for taylor and activation', 1), 64)),
  seed: placed('run', withDefault(int('seed for random and the data', 0, { max: 0xffffffff }), 0)),
} as const;

export type PruneApiOptions = OptionsOf<typeof pruneSpec>;
export type CheckedPruneOptions = CheckedOf<typeof pruneSpec>;
