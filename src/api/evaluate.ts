import type { Graph } from '../graph/index.js';
import { countMacs } from '../exec/index.js';
import { manualSeed, resolvePrecision, setNumThreads, type Precision } from '../tensor/index.js';
import { startPrecision } from '../pipeline/precision.js';
import { checkViews, evaluateGraph, type Views } from '../distill/index.js';
import { checkModelFits, onnxruntimeLatency } from '../pipeline/evaluate-model.js';
import { openFor } from '../pipeline/normalization.js';
import { labelWarnings } from '../pipeline/metadata.js';
import { apiNaming, checkOptions, evaluateSpec, type EvaluateOptions } from '../options/index.js';
import type { Dataset, Split } from '../data/index.js';
import { checkDevice } from './device.js';
import { ConfigError } from '../errors.js';

/** What evaluate() returns and `whittle eval --json` prints (besides model and data). */
export interface Evaluation {
  /** The split measured (option `split`, default test). */
  split: Split['name'];
  /** Top-1 accuracy on that split, in [0, 1]. */
  accuracy: number;
  /** Mean cross-entropy on that split. */
  loss: number;
  /** Images in that split. */
  count: number;
  /** What each image was classified from (option `views`): the image, or the mean of the logits with its mirror image's. */
  views: Views;
  params: number;
  /** Multiply-accumulates per sample. */
  macs: number;
  /** The arithmetic of the forward passes (option `precision` resolved on this machine). */
  precision: Precision;
  /** Median batch-1 latency in onnxruntime-node (CPU), milliseconds; null with `latency: false`. */
  latencyMs: number | null;
  /** What the dataset said while opening (skipped images, images converted to the model's channels), and whether the
   * model's whittle.labels name other classes than the dataset's. */
  warnings: string[];
}

/**
 * A classifier's accuracy and loss on a dataset (a spec such as 'mnist', or an open Dataset), on its test split unless
 * `split` says val or train, its params and MACs, and its batch-1 latency in onnxruntime. Dataset options apply when
 * `data` is a spec. Images are normalised with `mean` and `std` when given, else as the model's whittle.preprocess
 * metadata says (when it fits the data), else with the dataset's statistics.
 */
export async function evaluate(model: Graph, data: string | Dataset, options: EvaluateOptions = {}): Promise<Evaluation> {
  const o = checkOptions(evaluateSpec, options, apiNaming);
  checkDevice(o.device);
  resolvePrecision(o.precision, o.device); // bf16 on a CPU without it is refused before the data is read
  setNumThreads(o.threads);
  manualSeed(o.seed);
  const { latency, device, threads, split, views, mean, std, onProgress, precision: asked, ...datasetOptions } = o;
  const ds = await openFor(model, data, datasetOptions, { mean, std });
  checkModelFits(model, ds);
  checkViews(views, ds, 'views');
  if (ds[split].indices.length === 0) throw new ConfigError('split', `the ${split} split of ${ds.spec} has no images`, split === 'val' ? 'give --val-size a count above 0' : 'choose another --split');
  // A channels-last copy computes as the trainer does (libtorch's fast conv path on CPU); the caller's graph keeps its tensors.
  const fast = model.clone({ channelsLast: true });
  const onBatch = onProgress && ((batch: number, of: number): void => onProgress({ batch, of }));
  const { restore, precision } = startPrecision(asked, device);
  const m = await evaluateGraph(fast, ds, split, { device, views, ...(onBatch ? { onBatch } : {}) }).finally(() => {
    restore();
    fast.dispose();
  });
  return {
    split, views, precision, accuracy: m.accuracy, loss: m.loss, count: m.count, params: model.parameterCount(), macs: countMacs(model).total,
    latencyMs: latency ? await onnxruntimeLatency(model, ds.shape, threads) : null,
    warnings: [...ds.warnings, ...labelWarnings(model, ds)],
  };
}
