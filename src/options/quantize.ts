import { apiOnly, choice, placed, flag, int, num, optional, textList, withDefault, type CheckedOf, type OptionsOf } from './option.js';
import { datasetOptions, normalizationOptions, task } from './common.js';
import { ACTIVATION_TYPES, METHODS } from '../quantize/index.js';

/** What quantize's speed search may change (see src/pipeline/int8-speed.ts). */
export const SPEED_SEARCH = ['widen', 'float', 'off'] as const;
export type SpeedSearch = (typeof SPEED_SEARCH)[number];

/** quantize()'s options and `whittle quantize`'s flags (besides the model, --data and -o). */
export const quantizeSpec = {
  ...datasetOptions,
  ...normalizationOptions,
  task: placed('quantization', task),
  calibrationBatches: placed('quantization', withDefault(int('batches of 64 training images (seeded shuffle, no augmentation) whose activations set the ranges', 1), 32)),
  method: placed('quantization', withDefault(choice('how each activation range is chosen from the calibration data: minmax (the extremes), percentile (0.01th to 99.99th percentile) or entropy (the clipping threshold of least KL divergence)', METHODS), 'minmax')),
  activations: placed('quantization', withDefault(choice('integer type of the activations: uint8 (the fast x86 kernels) or int8', ACTIVATION_TYPES), 'uint8')),
  exclude: placed('quantization', withDefault(textList('node names left in float (comma-separated; `whittle inspect` lists them)'), [])),
  maxDrop: placed('quantization', optional(num('leave the layers of least SQNR in float, one at a time, until the validation accuracy is at most this many points below the float model\'s', (x) => x >= 0 && x <= 100, 'expected points in [0, 100]', { arg: '<points>' }))),
  threads: placed('run', withDefault(int('intra-op threads for calibration and for timing in onnxruntime-node', 1), 1)),
  latency: placed('quantization', withDefault(flag('time both models in onnxruntime-node at batch 1 and 64; false (--no-latency): skip it', { flags: '--no-latency', flagHelp: 'skip timing in onnxruntime-node' }), true)),
  speedSearch: placed('quantization', withDefault(choice('make the int8 model faster in onnxruntime-node by measurement, computing the same: widen (narrow channel groups widened with zero channels where the int8 kernels run faster so; every layer stays int8), float (widen, then leave in float each layer whose int8 kernel makes the model slower), off', SPEED_SEARCH), 'widen')),
  onProgress: placed('run', optional(apiOnly<(message: string) => void>('called with a line at each stage', (v) => typeof v === 'function', 'a function'))),
} as const;

export type QuantizeOptions = OptionsOf<typeof quantizeSpec>;
export type CheckedQuantizeOptions = CheckedOf<typeof quantizeSpec>;
