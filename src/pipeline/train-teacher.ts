import { manualSeed, setNumThreads } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { buildZooGraph, type ZooArch } from '../zoo/index.js';
import { openDataset, type Dataset } from '../data/index.js';
import { evaluateGraph, fit, type EpochResult, type FitResult } from '../distill/index.js';
import { modelMetadata } from './metadata.js';
import { datasetOptions, type DatasetSettings } from './dataset-options.js';
import { TEACHER_LR } from '../options/train-teacher.js';

/** Settings resolved by trainTeacherSpec (defaults filled); `lr` absent: TEACHER_LR of the optimizer. */
export type TrainTeacherOptions = DatasetSettings & {
  arch: ZooArch;
  data: string;
  epochs: number;
  seed: number;
  batchSize: number;
  lr?: number;
  optimizer: 'sgd' | 'adamw';
  weightDecay: number;
  threads: number;
  device: string;
  onEpoch?: (e: EpochResult) => void;
  onBatch?: (b: { epoch: number; index: number; of: number; loss: number }) => void;
  signal?: AbortSignal;
};

export type TrainedTeacher = { graph: Graph; dataset: Dataset; fit: FitResult; testAccuracy: number; testLoss: number };

/** Trains a zoo architecture on a dataset from scratch, as a teacher for compress; the graph carries the metadata. */
export async function trainTeacher(o: TrainTeacherOptions): Promise<TrainedTeacher> {
  setNumThreads(o.threads);
  manualSeed(o.seed);
  const dataset = await openDataset(o.data, datasetOptions(o));
  const graph = buildZooGraph(o.arch, { input: dataset.shape, classes: dataset.classes.length });
  Object.assign(graph.metadata, modelMetadata(dataset));
  const result = await fit(graph, dataset, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    lr: o.lr ?? TEACHER_LR[o.optimizer],
    optimizer: o.optimizer,
    weightDecay: o.weightDecay,
    seed: o.seed,
    device: o.device,
    ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}),
    ...(o.onBatch ? { onBatch: o.onBatch } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const test = await evaluateGraph(graph, dataset, 'test', o.device);
  return { graph, dataset, fit: result, testAccuracy: test.accuracy, testLoss: test.loss };
}
