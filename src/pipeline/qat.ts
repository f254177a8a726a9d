import { join } from 'node:path';
import { setPrecision, type Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { toOnnxBytes } from '../onnx/index.js';
import type { Dataset } from '../data/index.js';
import { foldedCopy, hasWeights, planQuantization, qdqOpset, quantizedCopy, withFakeQuantize, withoutFakeQuantize, type ActivationType } from '../quantize/index.js';
import { fit, type BatchInfo, type DataParallel, type FitCheckpoint, type FitResult } from '../distill/index.js';
import { ConfigError } from '../errors.js';
import { calibrateOn, calibrationBatches } from './quantize.js';
import { loadFitState, saveFitState, type QatProgress } from './checkpoint.js';
import type { RunConfig } from './run-config.js';

/** The activations' integer type in a QAT student: uint8, onnxruntime's fast x86 path (as `whittle quantize`'s default). */
export const QAT_ACTIVATIONS: ActivationType = 'uint8';
/** Calibration batches of 64 training images (or a tensor set's rows) whose extremes set the frozen activation ranges. */
export const QAT_CALIBRATION_BATCHES = 8;
/** The QAT epochs' peak learning rate as a fraction of the run's: they fine-tune a trained student. */
export const QAT_LR_FACTOR = 0.1;

type Ranges = QatProgress['ranges'];

/**
 * What the QAT epochs give: the int8 model's bytes (QDQ), its validation accuracy as trained (fake-quantized), and the
 * trained weights as a float graph (BatchNorm folded; the caller disposes it).
 */
export type QatResult = { bytes: Uint8Array; float: Graph; valAccuracy: number; epochs: FitResult['epochs']; activations: number; layers: number };

/** Refuses --quantize int8 for a model with no Conv, Gemm or MatMul of constant weights (before the run folder is made). */
export function checkQuantizable(g: Graph): void {
  const f = foldedCopy(g);
  try {
    if (!hasWeights(planQuantization(f))) throw new ConfigError('quantize', 'int8: nothing to quantize, the model has no Conv, Gemm or MatMul with constant weights');
  } finally {
    f.dispose();
  }
}

/** Each planned activation's range over the first calibration batches (minmax on the folded float student). */
async function observeRanges(f: Graph, ds: Dataset, names: readonly string[]): Promise<Ranges> {
  return Object.fromEntries(calibrateOn(f, await calibrationBatches(ds, QAT_CALIBRATION_BATCHES), names, 'minmax'));
}

export type QatOptions = {
  out: string;
  config: RunConfig;
  ds: Dataset;
  /** The distillation loss of the run's last step (teacher targets, labels). */
  loss: (logits: Tensor, labels: Tensor, at: BatchInfo) => Tensor;
  /** For a run that is not one labelled classifier: the values its heads' losses read, and the score that picks the
   * best epoch on validation (the graph trained, fake-quantized). */
  extraOutputs?: readonly string[];
  validate?: (g: Graph) => Promise<number>;
  /** Where an earlier run stopped (null: start). */
  progress: QatProgress | null;
  /** Records progress in the run's checkpoint (rank 0 only; absent on the other ranks). */
  save?: (p: QatProgress) => Promise<void>;
  /** Called once the plan is made: the layers and activations fake-quantized. */
  onStart?: (s: { layers: number; activations: number }) => void;
  /** The fit options that follow the run (events, abort signal, data parallelism). */
  onBatch?: (at: { epoch: number; index: number; of: number; loss: number }) => void;
  onEpoch?: (e: FitResult['epochs'][number]) => void;
  signal?: AbortSignal;
  parallel?: DataParallel;
};

/**
 * Quantization-aware distillation, the last step's final epochs (see docs/quantize.md): BatchNorm folded, activation
 * ranges observed on calibration batches and then frozen, `config.qatEpochs` epochs of distillation in float32 with
 * weights (per channel, from the current weights) and activations (at the frozen ranges) fake-quantized and
 * straight-through gradients, the best epoch on validation kept; then the QDQ file `whittle quantize` writes, from
 * the trained weights and the same ranges. Checkpoints at every epoch end; `progress` resumes inside the epochs.
 */
export async function quantizationAwareDistill(student: Graph, o: QatOptions): Promise<QatResult> {
  const c = o.config;
  let f: Graph = foldedCopy(student);
  let resume: FitCheckpoint | undefined;
  let qg: Graph | null = null;
  const restore = setPrecision('fp32', c.device);
  try {
    const plan = planQuantization(f);
    const progress = o.progress ?? { ranges: await observeRanges(f, o.ds, [...new Set(plan.tensors.values())]), current: null };
    if (!o.progress) await o.save?.(progress);
    if (progress.current) {
      const s = loadFitState(o.out, progress.current);
      f.dispose();
      f = s.graph;
      resume = s.fit;
    }
    const ranges = new Map(Object.entries(progress.ranges));
    o.onStart?.({ layers: plan.layers.length, activations: plan.tensors.size });
    qg = withFakeQuantize(f, plan, ranges, QAT_ACTIVATIONS);
    const g = qg;
    const result = await fit(g, o.ds, {
      epochs: c.qatEpochs, batchSize: c.batchSize, lr: c.lr * QAT_LR_FACTOR, optimizer: c.optimizer, weightDecay: c.weightDecay, momentum: c.momentum,
      seed: c.seed + c.plan.length + 1, device: c.device, schedule: c.schedule,
      ...(c.clipNorm !== null ? { clipNorm: c.clipNorm } : {}),
      ...(c.augment === 'off' ? { augment: null } : {}),
      loss: o.loss,
      ...(o.extraOutputs ? { extraOutputs: o.extraOutputs } : {}),
      ...(o.validate ? { validate: o.validate } : {}),
      ...(resume ? { resume } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onBatch ? { onBatch: o.onBatch } : {}),
      ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
      ...(o.parallel ? { parallel: o.parallel } : {}),
      ...(o.save ? {
        onCheckpoint: async (fc: FitCheckpoint) => {
          const float = withoutFakeQuantize(g);
          try {
            const current = await saveFitState(o.out, `checkpoint-qat-${fc.epochs.length}`, float, fc);
            await o.save!({ ranges: progress.ranges, current });
          } finally {
            float.dispose();
          }
        },
      } : {}),
    });
    const trained = withoutFakeQuantize(g);
    try {
      const { graph } = quantizedCopy(trained, ranges, { exclude: new Set(), activations: QAT_ACTIVATIONS });
      try {
        const bytes = toOnnxBytes(graph, { opset: qdqOpset(graph) });
        return { bytes, float: trained, valAccuracy: result.bestValAccuracy, epochs: result.epochs, activations: plan.tensors.size, layers: plan.layers.length };
      } finally {
        graph.dispose();
      }
    } catch (e) {
      trained.dispose();
      throw e;
    }
  } finally {
    restore();
    qg?.dispose();
    f.dispose();
    if (resume) for (const t of [...Object.values(resume.optimizer.tensors), ...Object.values(resume.best ?? {})]) t.dispose();
  }
}

/** The folder a QAT checkpoint lives in, for tests. */
export const qatCheckpointDir = (out: string, epoch: number): string => join(out, `checkpoint-qat-${epoch}`);
