import { apiOnly, choice, flag, optional, placed, withDefault, type CheckedOf, type OptionsOf } from './option.js';
import { datasetOptions, engineOptions, modelOption, normalizationOptions, taskOptions } from './common.js';
import { VIEWS } from '../distill/views.js';

/** evaluate()'s options and `whittle eval`'s flags (besides --data). */
export const evaluateSpec = {
  teacher: placed('model', optional(modelOption("the teacher (ONNX file or model): measure the model's fidelity to it per output (agreement, mIoU, cosine and nearest neighbours, R²), which needs no labels"))),
  ...taskOptions,
  ...datasetOptions,
  ...normalizationOptions,
  ...engineOptions,
  split: placed('data', withDefault(choice('the split to measure: test, val (the validation images carved from train) or train (the rest)', ['test', 'val', 'train'] as const), 'test'), { tier: 'basic' }),
  views: placed('data', withDefault(choice("off, or flip: classify by the mean of the model's logits on each image and on its mirror image (the teacher's targets under compress --teacher-views flip); only for datasets whose default augmentation flips", VIEWS), 'off')),
  onProgress: placed('run', optional(apiOnly<(p: { batch: number; of: number }) => void>('called after each batch of the split with the batches done and their count', (v) => typeof v === 'function', 'a function'))),
  latency: placed('run', withDefault(flag('time batch-1 inference in onnxruntime; false (--no-latency): skip it', { flags: '--no-latency', flagHelp: 'skip timing batch-1 inference in onnxruntime' }), true)),
} as const;

export type EvaluateOptions = OptionsOf<typeof evaluateSpec>;
export type CheckedEvaluateOptions = CheckedOf<typeof evaluateSpec>;
