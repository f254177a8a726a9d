import { clone, contiguous, copyInto, crossEntropy, detach, keep, noGrad, tidy, type Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { AdamW, Sgd, clipGradNorm, cosineSchedule, type Optimizer } from '../optim/index.js';
import { BatchLoader, prefetchEpoch, type AugmentOptions, type Batch, type Dataset } from '../data/index.js';
import { batchOnDevice, forward } from './evaluate.js';
import { evaluateShared } from './evaluate-shared.js';
import type { DataParallel } from './data-parallel.js';

/**
 * Where a batch sits in training, for losses that look things up per batch (e.g. a teacher-output cache): `rows`
 * are the batch's positions in the training split, `x` its input tensor (on the device).
 */
export type BatchInfo = { epoch: number; index: number; batch: Batch; rows: Uint32Array; x: Tensor };

export type TrainOptions = {
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'sgd' | 'adamw';
  weightDecay: number;
  /** SGD momentum (Nesterov); default 0.9. */
  momentum?: number;
  /** Linear warmup steps of the cosine schedule; default min(100, 5% of all steps). */
  warmupSteps?: number;
  /** Clip the gradients' joint L2 norm to this; default none. */
  clipNorm?: number;
  /** Stop after this many epochs without a better validation accuracy; default never. */
  patience?: number;
  seed: number;
  device: string;
  /** Augmentation for the training split; default the dataset's. */
  augment?: AugmentOptions | null;
  /** The training loss from the logits (default cross-entropy with the labels). */
  loss?: (logits: Tensor, labels: Tensor, at: BatchInfo) => Tensor;
  onEpoch?: (e: EpochResult) => void;
  onBatch?: (at: { epoch: number; index: number; of: number; loss: number }) => void;
  /**
   * Data parallelism: batchSize is the global batch, each rank trains on its shard of every batch, gradients are
   * summed weighted by shard size (so the update is the one a single process would make) and metrics are reduced.
   */
  parallel?: DataParallel;
};

export type EpochResult = { epoch: number; trainLoss: number; valAccuracy: number; seconds: number; imagesPerSec: number };

export type FitResult = {
  epochs: EpochResult[];
  /** The epoch whose weights the graph holds at the end (best validation accuracy). */
  bestEpoch: number;
  bestValAccuracy: number;
  /** Why training ended early, if it did (non-finite loss, early stopping). */
  stopped?: string;
};

/** Copies of the graph's params and buffers, to restore the best epoch. */
function snapshot(g: Graph): Map<string, Tensor> {
  return noGrad(() => {
    const m = new Map<string, Tensor>();
    for (const [name, init] of g.initializers) if (init.kind !== 'constant') m.set(name, tidy(() => keep(clone(detach(init.tensor)))));
    return m;
  });
}

function restore(g: Graph, snap: Map<string, Tensor>): void {
  noGrad(() => {
    for (const [name, t] of snap) copyInto(g.initializers.get(name)!.tensor, t);
  });
}

function disposeAll(snap: Map<string, Tensor> | null): void {
  if (snap) for (const t of snap.values()) t.dispose();
}

/** 4-D weights in channels-last, like the inputs, so convolutions take the fast path end to end. */
export function toChannelsLast(g: Graph): void {
  for (const [name, init] of [...g.initializers]) {
    if (init.tensor.rank === 4) g.setTensor(name, noGrad(() => tidy(() => keep(contiguous(detach(init.tensor), 'channels_last')))));
  }
}

/**
 * Trains a classifier graph in place: cosine schedule with warmup, SGD (Nesterov momentum) or AdamW, weight decay,
 * optional clipping, best-on-validation selection (the graph ends with the best epoch's weights), optional early
 * stopping, and a stop with the last good weights on a non-finite loss.
 */
export async function fit(g: Graph, ds: Dataset, o: TrainOptions): Promise<FitResult> {
  toChannelsLast(g);
  const par = o.parallel;
  par?.syncModel(g);
  const params = g.parameters();
  const opt: Optimizer = o.optimizer === 'sgd'
    ? new Sgd(params, { lr: o.lr, momentum: o.momentum ?? 0.9, nesterov: (o.momentum ?? 0.9) > 0, weightDecay: o.weightDecay })
    : new AdamW(params, { lr: o.lr, weightDecay: o.weightDecay });
  const shard = par ? { shard: { rank: par.rank, worldSize: par.worldSize } } : {};
  const loader = BatchLoader.of(ds, 'train', { batchSize: o.batchSize, seed: o.seed, ...shard, ...(o.augment === undefined ? {} : { augment: o.augment }) });
  const total = o.epochs * loader.batchesPerEpoch;
  const schedule = cosineSchedule({ lr: o.lr, total, warmup: o.warmupSteps ?? Math.min(100, Math.ceil(total / 20)) });
  const lossOf = o.loss ?? ((logits: Tensor, y: Tensor) => crossEntropy(logits, y));
  const epochs: EpochResult[] = [];
  let best: Map<string, Tensor> | null = null;
  let bestEpoch = 0;
  let bestAcc = -1;
  let stopped: string | undefined;
  let step = 0;
  try {
    for (let epoch = 1; epoch <= o.epochs && !stopped; epoch++) {
      const t0 = process.hrtime.bigint();
      let lossSum = 0;
      let images = 0;
      let index = 0;
      for await (const b of prefetchEpoch(loader)) {
        opt.lr = schedule(step++);
        par?.syncBuffers(g);
        const rows = loader.rowsAt(epoch - 1, index);
        let loss = b.n === 0 ? 0 : tidy(() => {
          const { x, y } = batchOnDevice(b, o.device);
          const l = lossOf(forward(g, x, true), y, { epoch, index, batch: b, rows, x });
          const v = l.item();
          if (Number.isFinite(v)) l.backward();
          return v;
        });
        const n = par ? loader.globalRows(index) : b.n;
        if (par) loss = par.syncGrads(params, b.n / n, [loss * b.n])[0]! / n;
        if (!Number.isFinite(loss)) {
          stopped = `non-finite training loss (${loss}) at epoch ${epoch}, batch ${index + 1}; kept the weights of epoch ${bestEpoch || 'start'}`;
          opt.zeroGrad();
          break;
        }
        if (o.clipNorm !== undefined) clipGradNorm(params, o.clipNorm);
        opt.step();
        opt.zeroGrad();
        lossSum += loss * n;
        images += n;
        o.onBatch?.({ epoch, index, of: loader.batchesPerEpoch, loss });
        index++;
      }
      if (stopped) break;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      par?.syncBuffers(g);
      const valAccuracy = (await evaluateShared(g, ds, 'val', o.device, par)).accuracy;
      const row = { epoch, trainLoss: lossSum / Math.max(1, images), valAccuracy, seconds, imagesPerSec: images / seconds };
      epochs.push(row);
      o.onEpoch?.(row);
      if (valAccuracy > bestAcc) {
        disposeAll(best);
        best = snapshot(g);
        bestAcc = valAccuracy;
        bestEpoch = epoch;
      } else if (o.patience !== undefined && epoch - bestEpoch >= o.patience) {
        stopped = `early stop: no better validation accuracy for ${o.patience} epochs`;
      }
    }
    if (best) restore(g, best);
  } finally {
    disposeAll(best);
    opt.dispose();
  }
  return { epochs, bestEpoch, bestValAccuracy: Math.max(0, bestAcc), ...(stopped ? { stopped } : {}) };
}
