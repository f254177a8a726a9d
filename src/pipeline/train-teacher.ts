import { copyInto, manualSeed, noGrad, setNumThreads } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { buildZooGraph, type ZooArch } from '../zoo/index.js';
import { openDataset, type Dataset } from '../data/index.js';
import { evaluateGraph, fit, type EpochResult, type FitCheckpoint, type FitResult } from '../distill/index.js';
import { modelMetadata } from './metadata.js';
import { loadTeacherCheckpoint, writeTeacherCheckpoint, type TeacherCheckpoint, type TeacherSettings } from './teacher-checkpoint.js';
import { datasetOptions, type DatasetSettings } from './dataset-options.js';
import { normalizedFor, type GivenNormalization } from './normalization.js';
import { TEACHER_LR } from '../options/train-teacher.js';

/** Settings resolved by trainTeacherSpec (defaults filled); `lr` absent: TEACHER_LR of the optimizer. */
export type TrainTeacherOptions = DatasetSettings & GivenNormalization & {
  arch: ZooArch;
  data: string;
  epochs: number;
  seed: number;
  batchSize: number;
  lr?: number | undefined;
  optimizer: 'sgd' | 'adamw';
  weightDecay: number;
  threads: number;
  device: string;
  onEpoch?: (e: EpochResult) => void;
  onBatch?: (b: { epoch: number; index: number; of: number; loss: number }) => void;
  signal?: AbortSignal;
  /** Write a checkpoint at every epoch end beside this model file (checkpointDir), for `resume`. */
  checkpointOf?: string;
  /** Continue from this checkpoint of `checkpointOf` (its settings must be these). */
  resume?: TeacherCheckpoint;
};

export type TrainedTeacher = { graph: Graph; dataset: Dataset; fit: FitResult; testAccuracy: number; testLoss: number };

/** The settings a checkpoint records: those the result depends on. */
export function teacherSettings(o: TrainTeacherOptions): TeacherSettings {
  const { onEpoch: _e, onBatch: _b, signal: _s, checkpointOf: _c, resume: _r, ...settings } = o;
  return settings;
}

/**
 * Trains a zoo architecture on a dataset from scratch, as a teacher for compress; the graph carries the metadata.
 * With `checkpointOf` a checkpoint is written at every epoch end, and `resume` continues from one to the result an
 * uninterrupted run gets (batches depend only on seed, epoch and batch; the generator is reseeded every epoch).
 */
export async function trainTeacher(o: TrainTeacherOptions): Promise<TrainedTeacher> {
  setNumThreads(o.threads);
  manualSeed(o.seed);
  const dataset = normalizedFor(await openDataset(o.data, datasetOptions(o)), o, null);
  const graph = buildZooGraph(o.arch, { input: dataset.shape, classes: dataset.classes.length });
  Object.assign(graph.metadata, modelMetadata(dataset));
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
  let result: FitResult;
  try {
    result = await fit(graph, dataset, {
      epochs: o.epochs,
      batchSize: o.batchSize,
      lr: o.lr ?? TEACHER_LR[o.optimizer],
      optimizer: o.optimizer,
      weightDecay: o.weightDecay,
      seed: o.seed,
      device: o.device,
      ...(resume ? { resume } : {}),
      ...(o.checkpointOf ? { onCheckpoint: (c: FitCheckpoint) => writeTeacherCheckpoint(o.checkpointOf!, settings, graph, c) } : {}),
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
  const test = await evaluateGraph(graph, dataset, 'test', { device: o.device });
  return { graph, dataset, fit: result, testAccuracy: test.accuracy, testLoss: test.loss };
}
