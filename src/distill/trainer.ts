import { clone, copyInto, crossEntropy, detach, keep, lerpInto, manualSeed, mul, noGrad, tidy, type Tensor } from '../tensor/index.js';
import { GlobalBatchNorm, type ModelInput } from '../exec/index.js';
import { ConfigError, WhittleError } from '../errors.js';
import type { Graph } from '../graph/index.js';
import { AdamW, Sgd, clipGradNorm, cosineSchedule, oneCycleSchedule, type Optimizer, type OptimizerState, type ScheduleName } from '../optim/index.js';
import { BatchLoader, prefetchEpoch, type AugmentOptions, type Batch, type Dataset } from '../data/index.js';
import { copyNamed, disposeSnapshot, restore, snapshot, type Snapshot } from './snapshot.js';
import { batchOnDevice, forwardWith } from './evaluate.js';
import { evaluateShared } from './evaluate-shared.js';
import type { DataParallel } from './data-parallel.js';

/**
 * Where a batch sits in training, for losses that look things up per batch (e.g. a teacher-output cache): `rows`
 * are the batch's positions in the training split, `x` its input (on the device; a tensor per input for several), `values` the student's
 * values named in TrainOptions.extraOutputs (e.g. feature maps for hints), `target` its masks or target tensors.
 */
export type BatchInfo = { epoch: number; index: number; batch: Batch; rows: Uint32Array; x: ModelInput; values: Readonly<Record<string, Tensor>>; target?: Tensor };

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
  /** The lr schedule over all `epochs`: cosine with warmup (default), or PyTorch's one-cycle (which cycles the momentum too). */
  schedule?: ScheduleName;
  /** Clip the gradients' joint L2 norm to this; default none. */
  clipNorm?: number;
  /** Stop after this many epochs without a better validation accuracy; default never. */
  patience?: number;
  /**
   * Decay of an exponential moving average of the weights (params and floating-point buffers), updated after every
   * update n with decay min(ema, (1 + n) / (10 + n)); validation, best-epoch selection and the result use the
   * averaged weights (with `until` too: a later fit starts a new average). 0 or absent: off.
   */
  ema?: number;
  /** The first epoch whose weights best-on-validation selection may keep (earlier ones are still reported); default 1. */
  selectFrom?: number;
  /**
   * Train epochs up to this one only, on the schedule of all `epochs` (a later fit resumes from the result's
   * `state` to train the rest, e.g. on a changed graph); default all.
   */
  until?: number;
  seed: number;
  device: string;
  /** Augmentation for the training split; default the dataset's. */
  augment?: AugmentOptions | null;
  /** The training loss from the logits (default cross-entropy with the labels). */
  loss?: (logits: Tensor, labels: Tensor, at: BatchInfo) => Tensor;
  /**
   * The validation score that picks the best epoch (higher is better), e.g. fidelity to a teacher without labels;
   * default the accuracy on the validation split. EpochResult.valAccuracy holds it.
   */
  validate?: (g: Graph) => Promise<number>;
  /** Graph values the loss needs besides the logits (BatchInfo.values). */
  extraOutputs?: readonly string[];
  /** Tensors trained along with the graph's parameters (e.g. hint adapters). */
  extraParams?: readonly Tensor[];
  onEpoch?: (e: EpochResult) => void;
  onBatch?: (at: { epoch: number; index: number; of: number; loss: number }) => void;
  /** Called after each optimizer update with its number (1-based, counted over all epochs) and the total. */
  afterUpdate?: (update: number, total: number) => void;
  /**
   * Data parallelism: batchSize is the global batch, each rank trains on its shard of every batch, BatchNorm uses the
   * global batch's statistics, gradients are summed weighted by shard size (so the update is the one a single
   * process would make, up to float rounding) and metrics are reduced.
   */
  parallel?: DataParallel;
  /** Continue from the state an earlier run passed to onCheckpoint (the graph must hold that epoch's weights). */
  resume?: FitCheckpoint;
  /** Called at every epoch end with what a checkpoint needs besides the graph (tensors valid during the call only). */
  onCheckpoint?: (c: FitCheckpoint) => Promise<void>;
  /** Stops at the next batch with an AbortedError; the last onCheckpoint state stays valid. */
  signal?: AbortSignal;
};

/**
 * The trainer's state at an epoch end: with the graph's weights it is enough to continue as if never stopped
 * (batches and augmentation depend only on (seed, epoch, batch); libtorch's generator is reseeded each epoch).
 */
export type FitCheckpoint = {
  epochs: EpochResult[];
  bestEpoch: number;
  bestValAccuracy: number;
  stopped?: string;
  optimizer: OptimizerState;
  /** The best epoch's params and buffers by name (null before the first epoch). */
  best: Record<string, Tensor> | null;
  /** The values of `extraParams` (e.g. hint adapters), in order. */
  extra?: readonly Tensor[];
  /** The moving average of the weights by name, with `ema`. */
  ema?: Record<string, Tensor>;
};

/** Training was stopped through its AbortSignal. */
export class AbortedError extends WhittleError {
  /** Where training stopped, e.g. 'epoch 2, batch 17'. */
  readonly where: string;
  constructor(where: string, hint?: string) {
    super('E_ABORTED', `stopped at ${where}`, hint === undefined ? {} : { hint });
    this.where = where;
  }
}

/** libtorch's generator for one epoch: a function of (seed, epoch) only, so a resumed run draws the same numbers. */
function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(epoch, 0x85ebca6b)) >>> 1;
}

export type EpochResult = { epoch: number; trainLoss: number; valAccuracy: number; seconds: number; imagesPerSec: number };

export type FitResult = {
  epochs: EpochResult[];
  /** The epoch whose weights the graph holds at the end (best validation accuracy). */
  bestEpoch: number;
  bestValAccuracy: number;
  /** Why training ended early, if it did (non-finite loss, early stopping). */
  stopped?: string;
  /** With `until`: the optimizer's state at the end (copies; the caller disposes them). */
  state?: OptimizerState;
};

/** 4-D weights in channels-last, like the inputs, so convolutions take the fast path end to end. */
export function toChannelsLast(g: Graph): void {
  for (const [name, init] of [...g.initializers]) {
    if (init.tensor.rank === 4) g.setTensor(name, noGrad(() => tidy(() => keep(clone(detach(init.tensor), 'channels_last')))));
  }
}

/** Training keeps each fit's best epoch on validation, so it needs validation images (`--val-size 0` gives none). */
export function checkHasValidation(ds: Dataset): void {
  if (ds.val.indices.length === 0) throw new ConfigError('valSize', '0 leaves no validation images, and training keeps the epoch that is best on them', 'give --val-size a count above 0, or leave it out (min(5000, 10%) of train)');
}

/**
 * Trains a classifier graph in place: cosine schedule with warmup, SGD (Nesterov momentum) or AdamW, weight decay,
 * optional clipping, best-on-validation selection (the graph ends with the best epoch's weights), optional early
 * stopping, and a stop with the last good weights on a non-finite loss.
 */
export async function fit(g: Graph, ds: Dataset, o: TrainOptions): Promise<FitResult> {
  checkHasValidation(ds);
  toChannelsLast(g);
  const par = o.parallel;
  par?.syncModel(g);
  const params = [...g.parameters(), ...(o.extraParams ?? [])];
  const opt: Optimizer = o.optimizer === 'sgd'
    ? new Sgd(params, { lr: o.lr, momentum: o.momentum ?? 0.9, nesterov: (o.momentum ?? 0.9) > 0, weightDecay: o.weightDecay })
    : new AdamW(params, { lr: o.lr, weightDecay: o.weightDecay });
  const shard = par ? { shard: { rank: par.rank, worldSize: par.worldSize } } : {};
  const loader = BatchLoader.of(ds, 'train', { batchSize: o.batchSize, seed: o.seed, ...shard, ...(o.augment === undefined ? {} : { augment: o.augment }) });
  const total = o.epochs * loader.batchesPerEpoch;
  const schedule = o.schedule === 'onecycle'
    ? oneCycleSchedule({ lr: o.lr, total })
    : { lr: cosineSchedule({ lr: o.lr, total, warmup: o.warmupSteps ?? Math.min(100, Math.ceil(total / 20)) }), momentum: null };
  const lossOf = o.loss ?? ((logits: Tensor, y: Tensor) => crossEntropy(logits, y));
  const r = o.resume;
  const epochs: EpochResult[] = r ? [...r.epochs] : [];
  let best: Snapshot | null = r?.best ? copyNamed(Object.entries(r.best)) : null;
  const decay = o.ema ?? 0;
  if (!(decay >= 0 && decay < 1)) throw new ConfigError('ema', `must be in [0, 1), got ${String(o.ema)}`);
  const ema: Snapshot | null = decay > 0 ? (r?.ema ? copyNamed(Object.entries(r.ema)) : averagedWeights(g)) : null;
  let bestEpoch = r?.bestEpoch ?? 0;
  let bestAcc = r ? r.bestValAccuracy : -1;
  let stopped: string | undefined = r?.stopped;
  let step = epochs.length * loader.batchesPerEpoch;
  let state: OptimizerState | undefined;
  const selectFrom = o.selectFrom ?? 1;
  if (r) {
    opt.importState(r.optimizer);
    noGrad(() => r.extra?.forEach((t, i) => copyInto(o.extraParams![i]!, t)));
    loader.seek(epochs.length, 0);
  }
  try {
    for (let epoch = epochs.length + 1; epoch <= Math.min(o.epochs, o.until ?? o.epochs) && !stopped; epoch++) {
      manualSeed(epochSeed(o.seed, epoch));
      const t0 = process.hrtime.bigint();
      let lossSum = 0;
      let images = 0;
      let index = 0;
      for await (const b of prefetchEpoch(loader)) {
        if (o.signal?.aborted) throw new AbortedError(`epoch ${epoch}, batch ${index + 1}`);
        opt.lr = schedule.lr(step);
        if (schedule.momentum) opt.momentum = schedule.momentum(step);
        step++;
        par?.syncBuffers(g);
        const rows = loader.rowsAt(epoch - 1, index);
        const n = par ? loader.globalRows(index) : b.n;
        // BatchNorm on the whole global batch's statistics, computed alike with one process and with several; data
        // parallel, each rank backpropagates its shard's share of the batch's mean loss (one with no rows joins the sums)
        let loss = b.n === 0 && !par ? 0 : tidy(() => {
          const bn = new GlobalBatchNorm(par ? (ts) => par.sumTensors(ts) : null);
          try {
            if (b.n === 0) {
              bn.idle(g);
              return 0;
            }
            const { x, y, target } = batchOnDevice(b, o.device);
            const batchRows = { start: par ? loader.shardOffset(index) : 0, rows: b.n, total: n };
            const { logits, values } = forwardWith(g, x, true, o.extraOutputs ?? [], bn, batchRows);
            const l = lossOf(logits, y, { epoch, index, batch: b, rows, x, values, ...(target ? { target } : {}) });
            const v = l.item();
            bn.backward(!Number.isFinite(v) ? null : par ? mul(l, b.n / n) : l);
            return v;
          } finally {
            bn.dispose();
          }
        });
        if (par) loss = par.syncGrads(params, 1, [loss * b.n])[0]! / n;
        if (!Number.isFinite(loss)) {
          stopped = `non-finite training loss (${loss}) at epoch ${epoch}, batch ${index + 1}; kept the weights of epoch ${bestEpoch || 'start'}`;
          opt.zeroGrad();
          break;
        }
        if (o.clipNorm !== undefined) clipGradNorm(params, o.clipNorm);
        opt.step();
        opt.zeroGrad();
        if (ema) updateAverage(g, ema, Math.min(decay, (1 + step) / (10 + step)));
        o.afterUpdate?.(step, total);
        lossSum += loss * n;
        images += n;
        o.onBatch?.({ epoch, index, of: loader.batchesPerEpoch, loss });
        index++;
      }
      if (stopped) break;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      par?.syncBuffers(g);
      // with an average, the graph holds it for validation and selection, then the trained weights again
      const live = ema ? snapshot(g) : null;
      if (ema) {
        restore(g, ema);
        par?.syncBuffers(g); // each rank averaged its own running statistics: validate and keep rank 0's
      }
      const valAccuracy = o.validate ? await o.validate(g) : (await evaluateShared(g, ds, 'val', o.device, par)).accuracy;
      const row = { epoch, trainLoss: lossSum / Math.max(1, images), valAccuracy, seconds, imagesPerSec: images / seconds };
      epochs.push(row);
      o.onEpoch?.(row);
      if (valAccuracy > bestAcc && epoch >= selectFrom) {
        disposeSnapshot(best);
        best = snapshot(g);
        bestAcc = valAccuracy;
        bestEpoch = epoch;
      } else if (o.patience !== undefined && epoch - Math.max(bestEpoch, selectFrom - 1) >= o.patience) {
        stopped = `early stop: no better validation accuracy for ${o.patience} epochs`;
      }
      if (live) {
        restore(g, live);
        disposeSnapshot(live);
      }
      await o.onCheckpoint?.({
        epochs: [...epochs], bestEpoch, bestValAccuracy: bestAcc, optimizer: opt.exportState(),
        best: best ? Object.fromEntries(best) : null, ...(stopped ? { stopped } : {}),
        ...(o.extraParams?.length ? { extra: o.extraParams } : {}),
        ...(ema ? { ema: Object.fromEntries(ema) } : {}),
      });
    }
    if (best) restore(g, best);
    if (o.until !== undefined) {
      const s = opt.exportState();
      state = { step: s.step, tensors: Object.fromEntries(copyNamed(Object.entries(s.tensors))) };
    }
  } finally {
    disposeSnapshot(best);
    disposeSnapshot(ema);
    opt.dispose();
  }
  return { epochs, bestEpoch, bestValAccuracy: Math.max(0, bestAcc), ...(stopped ? { stopped } : {}), ...(state ? { state } : {}) };
}

const FLOATS: ReadonlySet<string> = new Set(['float32', 'float64', 'float16', 'bfloat16']);

/** Copies of the weights a moving average follows: params and floating-point buffers. */
function averagedWeights(g: Graph): Snapshot {
  return copyNamed([...g.initializers].filter(([, init]) => init.kind !== 'constant' && FLOATS.has(init.tensor.dtype)).map(([name, init]) => [name, init.tensor]));
}

/** avg += (1 - decay) * (w - avg) for every averaged weight. */
function updateAverage(g: Graph, avg: Snapshot, decay: number): void {
  noGrad(() => {
    for (const [name, t] of avg) lerpInto(t, g.initializers.get(name)!.tensor, 1 - decay);
  });
}
