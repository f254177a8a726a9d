import type { ScheduleName } from '../optim/index.js';
import { copyInto, noGrad, setNumThreads, type PrecisionChoice, type ResolvedPrecision, type Tensor } from '../tensor/index.js';
import { startPrecision } from './precision.js';
import { foldBatchNorm, type Graph } from '../graph/index.js';
import type { Dataset } from '../data/index.js';
import { evaluateGraph, fit, labelsOf, measureHeads, type BatchInfo, type EpochResult, type FitCheckpoint, type FitResult } from '../distill/index.js';
import { headsLoss, isLabelledClassifier, scoreName, selectionScore, type Head } from '../task/index.js';
import { headsFor } from './heads.js';
import { ConfigError } from '../errors.js';
import { TEACHER_SOURCE, loadTeacherCheckpoint, loadTeacherSource, saveTeacherSource, writeTeacherCheckpoint, type TeacherCheckpoint, type TeacherSettings } from './teacher-checkpoint.js';
import type { DatasetSettings } from './dataset-options.js';
import type { GivenNormalization } from './normalization.js';
import { prepareTeacher, type TeacherSource } from './teacher-model.js';
import { loadOnnx, toOnnxBytes } from '../onnx/index.js';
import { TEACHER_LR } from '../options/train-teacher.js';

/** Settings resolved by trainTeacherSpec (defaults filled); `lr` absent: TEACHER_LR of the optimizer. */
export type TrainTeacherOptions = DatasetSettings & GivenNormalization & TeacherSource & {
  data: string;
  epochs: number;
  seed: number;
  batchSize: number;
  lr?: number | undefined;
  optimizer: 'sgd' | 'adamw';
  weightDecay: number;
  /** 'off': no random augmentation (absent in checkpoints of earlier versions: the dataset's default). */
  augment?: 'default' | 'off';
  /** Each output's task, as compress takes it (absent in checkpoints of earlier versions: auto). */
  task?: readonly string[];
  /** The labelled output's loss against the labels (absent: its task's). */
  loss?: readonly string[] | undefined;
  /** The lr schedule (absent in checkpoints of earlier versions: cosine). */
  schedule?: ScheduleName;
  threads: number;
  device: string;
  /** The arithmetic of the forward passes (absent in checkpoints of earlier versions: fp32). */
  precision?: PrecisionChoice;
  /** Before training: the precision it runs in and why. */
  onPrecision?: (p: ResolvedPrecision) => void;
  onEpoch?: (e: EpochResult) => void;
  onBatch?: (b: { epoch: number; index: number; of: number; loss: number }) => void;
  /** Before training: what was done to a `model` (BatchNorms inserted, tensors untied), and what the user should hear. */
  onPrepared?: (p: { batchNormInserted: number; untied: string[]; warnings: string[]; score?: string }) => void;
  signal?: AbortSignal;
  /** Write a checkpoint at every epoch end beside this model file (checkpointDir), for `resume`. */
  checkpointOf?: string;
  /** Continue from this checkpoint of `checkpointOf` (its settings must be these). */
  resume?: TeacherCheckpoint;
  /** With `model` (not resuming): the model as read (taken over); with checkpointOf it is saved beside the checkpoint. */
  loaded?: Graph;
};

export type TrainedTeacher = { graph: Graph; dataset: Dataset; fit: FitResult; testAccuracy: number; testLoss: number };

/** The settings a checkpoint records: those the result depends on. */
export function teacherSettings(o: TrainTeacherOptions): TeacherSettings {
  const { onEpoch: _e, onBatch: _b, onPrepared: _p, onPrecision: _q, signal: _s, checkpointOf: _c, resume: _r, loaded: _l, ...settings } = o;
  return settings;
}

/**
 * The model a training of `o.model` starts from, and with a checkpoint the bytes to keep beside it: a resume reads
 * them back, and a new training starts from the same bytes so that both build the same graph.
 */
function sourceGraph(o: TrainTeacherOptions): { loaded: Graph | null; bytes?: Uint8Array } {
  if (o.model === undefined) return { loaded: null };
  if (o.resume) return { loaded: loadTeacherSource(o.checkpointOf!) };
  if (!o.loaded) throw new Error(`trainTeacher: model ${o.model} was not loaded`);
  if (o.checkpointOf === undefined) return { loaded: o.loaded };
  let bytes: Uint8Array;
  try {
    bytes = toOnnxBytes(o.loaded);
  } finally {
    o.loaded.dispose();
  }
  return { loaded: loadOnnx(bytes, { source: TEACHER_SOURCE }), bytes };
}

/**
 * Trains a zoo architecture from scratch, or an ONNX model (its own weights or a fresh start), on a dataset, as a
 * teacher for compress; the graph carries the metadata. With `checkpointOf` a checkpoint is written at every epoch
 * end, and `resume` continues from one to the result an uninterrupted run gets (batches depend only on seed, epoch
 * and batch; the generator is reseeded every epoch).
 */
export async function trainTeacher(o: TrainTeacherOptions): Promise<TrainedTeacher> {
  setNumThreads(o.threads);
  const { restore, ...precision } = startPrecision(o.precision ?? 'fp32', o.device);
  try {
    o.onPrecision?.(precision);
    return await train(o);
  } finally {
    restore();
  }
}

async function train(o: TrainTeacherOptions): Promise<TrainedTeacher> {
  const source = sourceGraph(o);
  const { graph, dataset, insertedBn, untied, warnings } = await prepareTeacher(o, source.loaded, o);
  // a classifier on class labels trains on cross-entropy and is picked by accuracy, as ever; any other model on its
  // labels (masks, target tensors) by its heads' label losses and task metrics
  let heads: Head[];
  try {
    heads = headsFor(graph, dataset, { task: o.task ?? ['auto'], loss: [], labelLoss: o.loss ?? [], distill: true }, 'model');
  } catch (e) {
    graph.dispose();
    throw e;
  }
  if (!heads.some((h) => h.labelled)) {
    graph.dispose();
    const what = dataset.label.kind === 'none' ? `${dataset.spec} has no labels` : `its ${dataset.label.kind} labels fit none of the model's outputs (${heads.map((h) => `${h.output}: ${h.task}`).join(', ')})`;
    const asked = (o.task ?? []).some((t) => t !== 'auto');
    throw new ConfigError(asked ? 'task' : 'data', `a teacher trains on labels, and ${what}`, asked ? 'give the task the labels train (classify: class ids, segment: masks, regress: target tensors), or leave --task auto' : 'give labelled data: class folders, masks/ beside images/, or y.npy');
  }
  const byTask = !isLabelledClassifier(heads);
  o.onPrepared?.({ batchNormInserted: insertedBn.length, untied, warnings, ...(byTask ? { score: scoreName(heads) } : {}) });
  let resume: FitCheckpoint | undefined;
  if (o.resume) {
    // the checkpoint's weights in the architecture as built, so that the file written is the one a run never stopped writes
    const saved = loadTeacherCheckpoint(o.checkpointOf!, o.resume);
    resume = saved.fit;
    noGrad(() => {
      for (const [name, init] of graph.initializers) copyInto(init.tensor, saved.graph.initializers.get(name)!.tensor);
    });
    saved.graph.dispose();
  }
  const settings = teacherSettings(o);
  const score = async (g: Graph, split: 'val' | 'test'): Promise<number> => selectionScore(heads, await measureHeads(g, g, dataset, split, heads, { device: o.device }));
  let result: FitResult;
  try {
    result = await fit(graph, dataset, {
      epochs: o.epochs,
      batchSize: o.batchSize,
      lr: o.lr ?? TEACHER_LR[o.optimizer],
      optimizer: o.optimizer,
      weightDecay: o.weightDecay,
      ...(o.augment === 'off' ? { augment: null } : {}),
      ...(o.schedule ? { schedule: o.schedule } : {}),
      seed: o.seed,
      device: o.device,
      ...(resume ? { resume } : {}),
      ...(byTask ? {
        extraOutputs: heads.map((h) => h.value),
        loss: (logits: Tensor, y: Tensor, at: BatchInfo) => headsLoss(heads, heads.map((h) => at.values[h.value] ?? logits), null, labelsOf(heads.find((h) => h.labelled)!, y, at.target), { distill: false, temperature: 1, alpha: 0 }),
        validate: (g: Graph) => score(g, 'val'),
      } : {}),
      ...(o.checkpointOf ? {
        onCheckpoint: async (c: FitCheckpoint) => {
          // the model's starting point goes with the first checkpoint: nothing is written before an epoch ends
          if (source.bytes) await saveTeacherSource(o.checkpointOf!, source.bytes);
          delete source.bytes;
          await writeTeacherCheckpoint(o.checkpointOf!, settings, graph, c);
        },
      } : {}),
      ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
      ...(o.onBatch ? { onBatch: o.onBatch } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (e) {
    graph.dispose();
    throw e;
  } finally {
    if (resume) for (const t of [...Object.values(resume.optimizer.tensors), ...Object.values(resume.best ?? {})]) t.dispose();
  }
  foldBatchNorm(graph, insertedBn);
  if (byTask) return { graph, dataset, fit: result, testAccuracy: await score(graph, 'test'), testLoss: Number.NaN };
  const test = await evaluateGraph(graph, dataset, 'test', { device: o.device });
  return { graph, dataset, fit: result, testAccuracy: test.accuracy, testLoss: test.loss };
}
