import type { Graph } from '../graph/index.js';
import { countMacs } from '../exec/index.js';
import { manualSeed, setNumThreads } from '../tensor/index.js';
import { evaluateGraph } from '../distill/index.js';
import { checkModelFits, onnxruntimeLatency } from '../pipeline/evaluate-model.js';
import { apiNaming, checkOptions, evaluateSpec, type EvaluateOptions } from '../options/index.js';
import type { Dataset } from '../data/index.js';
import { openDataset } from './open-dataset.js';
import { checkDevice } from './device.js';

/** What evaluate() returns and `whittle eval --json` prints (besides model and data). */
export interface Evaluation {
  /** Top-1 accuracy on the test split, in [0, 1]. */
  accuracy: number;
  /** Mean cross-entropy on the test split. */
  loss: number;
  /** Test images. */
  count: number;
  params: number;
  /** Multiply-accumulates per sample. */
  macs: number;
  /** Median batch-1 latency in onnxruntime-node (CPU), milliseconds; null with `latency: false`. */
  latencyMs: number | null;
}

/**
 * A classifier's test accuracy and loss on a dataset (a spec such as 'mnist', or an open Dataset), its params and
 * MACs, and its batch-1 latency in onnxruntime. Dataset options apply when `data` is a spec.
 */
export async function evaluate(model: Graph, data: string | Dataset, options: EvaluateOptions = {}): Promise<Evaluation> {
  const o = checkOptions(evaluateSpec, options, apiNaming);
  checkDevice(o.device);
  setNumThreads(o.threads);
  manualSeed(o.seed);
  const { latency, device, threads, ...datasetOptions } = o;
  const ds = typeof data === 'string' ? await openDataset(data, datasetOptions) : data;
  checkModelFits(model, ds);
  const test = await evaluateGraph(model, ds, 'test', device);
  return {
    accuracy: test.accuracy, loss: test.loss, count: test.count, params: model.parameterCount(), macs: countMacs(model).total,
    latencyMs: latency ? await onnxruntimeLatency(model, ds.shape, threads) : null,
  };
}
