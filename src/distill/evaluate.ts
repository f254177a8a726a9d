import { add, argmax, autocast, cast, contiguous, crossEntropy, eq, flip, getPrecision, mul, noGrad, sum, tidy, toDevice, type Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import type { Views } from './views.js';
import { imagesOf, logitsValue, modelFeeds, runGraph, type BatchRows, type GlobalBatchNorm, type ModelInput, type RunOptions } from '../exec/index.js';
import { BatchLoader, prefetchEpoch, toTensors, type Batch, type Dataset, type Split } from '../data/index.js';

/**
 * Moves a batch to the device, images in channels-last (the faster layout for convolutions on CPU); a tensor set's
 * inputs and the masks or targets go as they are: `x` is a one-input set's tensor, or the inputs by name when the
 * set has several (what modelFeeds gives a model).
 */
export function batchOnDevice(b: Batch, device: string): { x: ModelInput; y: Tensor; inputs?: Record<string, Tensor>; target?: Tensor } {
  const { x, y, inputs, target } = toTensors(b);
  const on = (t: Tensor): Tensor => (device === 'cpu' ? t : toDevice(t, device));
  if (inputs) {
    const moved = Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, on(t)]));
    const tensors = Object.values(moved);
    return { x: tensors.length === 1 ? tensors[0]! : moved, y: on(y), inputs: moved, ...(target ? { target: on(target) } : {}) };
  }
  return { x: contiguous(on(x), 'channels_last'), y: on(y), ...(target ? { target: on(target) } : {}) };
}

/**
 * Every forward pass of training and evaluation runs here, at the engine's precision (see autocast): with bf16 the
 * convolutions and matmuls compute in bfloat16, and the values come back as float32, so that losses, softmax and
 * metrics stay float32.
 */
export function runAtPrecision(g: Graph, feeds: Readonly<Record<string, Tensor>>, o: RunOptions): Record<string, Tensor> {
  if (getPrecision() === 'fp32') return runGraph(g, feeds, o);
  return tidy(() => {
    const out = autocast(() => runGraph(g, feeds, o));
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.dtype === 'bfloat16' ? cast(t, 'float32') : t]));
  });
}

/** The logits of a graph with one output. */
export function forward(g: Graph, x: ModelInput, training: boolean): Tensor {
  const v = logitsValue(g);
  return runAtPrecision(g, modelFeeds(g, x), { training, ...(v === g.outputs[0]!.name ? {} : { extraOutputs: [v] }) })[v]!;
}

/**
 * A model's logits in eval mode for a batch of [N, C, H, W] images: with 'flip' the mean of its logits on the images
 * and on them mirrored left to right (a two-view ensemble, for datasets whose mirror images keep their class).
 */
export function logitsOverViews(g: Graph, x: ModelInput, views: Views): Tensor {
  if (views === 'off') return forward(g, x, false);
  return tidy(() => mul(add(forward(g, x, false), forward(g, flip(imagesOf(x), [3]), false)), 0.5));
}

/**
 * The logits and the named intermediate values (e.g. feature maps for hints) of a graph with one output; in a
 * training pass `globalBatchNorm` computes BatchNorm on the (global) batch's statistics, and `batchRows` says where
 * x's rows lie in that batch (Dropout draws its masks for all of it).
 */
export function forwardWith(g: Graph, x: ModelInput, training: boolean, values: readonly string[], globalBatchNorm?: GlobalBatchNorm, batchRows?: BatchRows): { logits: Tensor; values: Record<string, Tensor> } {
  const v = logitsValue(g);
  const out = runAtPrecision(g, modelFeeds(g, x), { training, extraOutputs: v === g.outputs[0]!.name ? values : [...values, v], ...(globalBatchNorm ? { globalBatchNorm } : {}), ...(batchRows ? { batchRows } : {}) });
  return { logits: out[v]!, values: out };
}

export type Evaluation = { accuracy: number; loss: number; count: number };

export type EvaluateGraphOptions = {
  device?: string;
  batchSize?: number;
  /**
   * One rank's share of the split (a data-parallel run): whole batches dealt out in turn, so that every image's
   * logits are computed in the batch one process would compute them in (the same float rounding).
   */
  shard?: { rank: number; worldSize: number };
  /** Called after each batch with the batches done and their count (for a progress display). */
  onBatch?: (done: number, of: number) => void;
  /** The image only (default), or the mean of the logits with its mirror image's. */
  views?: Views;
};

/** Top-1 accuracy and mean cross-entropy of a classifier graph on one split (or one rank's share of it), in eval mode. */
export async function evaluateGraph(g: Graph, ds: Dataset, split: Split['name'], o: EvaluateGraphOptions = {}): Promise<Evaluation> {
  const { device = 'cpu', batchSize = 256, shard, onBatch, views = 'off' } = o;
  let correct = 0;
  let lossSum = 0;
  let count = 0;
  const loader = BatchLoader.of(ds, split, { batchSize, shuffle: false, augment: null });
  let done = 0;
  for await (const b of prefetchEpoch(loader)) {
    if (b.n > 0 && (!shard || done % shard.worldSize === shard.rank)) {
      const [c, l] = noGrad(() => tidy(() => {
        const { x, y } = batchOnDevice(b, device);
        const logits = logitsOverViews(g, x, views);
        return [sum(eq(argmax(logits, 1), y)).item(), crossEntropy(logits, y, { reduction: 'sum' }).item()];
      }));
      correct += c!;
      lossSum += l!;
      count += b.n;
    }
    onBatch?.(++done, loader.batchesPerEpoch);
  }
  return { accuracy: count ? correct / count : 0, loss: count ? lossSum / count : 0, count };
}
