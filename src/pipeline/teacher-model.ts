import { manualSeed } from '../tensor/index.js';
import { GraphError, freshInit, replaceHead, type Graph } from '../graph/index.js';
import { buildZooGraph, type ZooArch } from '../zoo/index.js';
import { openDataset, type Dataset } from '../data/index.js';
import { checkHasValidation, reinsertBatchNorm, reinsertFreshBatchNorm, type ReinsertBnMode } from '../distill/index.js';
import { ConfigError } from '../errors.js';
import { sharedInitializers, sharedStatistics, untie } from '../prune/index.js';
import { datasetOptions, openOptionsFor, type DatasetSettings } from './dataset-options.js';
import { normalizedFor, type GivenNormalization } from './normalization.js';
import { checkModelFits, checkModelTakes } from './evaluate-model.js';
import { labelWarnings, modelMetadata } from './metadata.js';

/** How a model given to train-teacher starts: its own weights, or as new layers of its architecture. */
export type TeacherInit = 'keep' | 'fresh';

/** What train-teacher trains: a zoo architecture, or an ONNX model with how it starts. */
export type TeacherSource =
  | { arch: ZooArch; model?: never }
  | { model: string; arch?: never; init: TeacherInit; newHead: boolean; reinsertBn: ReinsertBnMode };

export type TeacherSetup = DatasetSettings & GivenNormalization & { data: string; seed: number; device: string };

/**
 * The graph to train, the dataset as it is fed, the BatchNorms inserted for training (to fold before saving) and the
 * initializers untied (each shared one, copied per layer that reads it); what the user should hear (images skipped or
 * converted, a kept model fed with the dataset's statistics for want of its own, labels that differ).
 */
export type PreparedTeacher = { graph: Graph; dataset: Dataset; insertedBn: string[]; untied: string[]; warnings: string[] };

/**
 * The graph train-teacher trains, made deterministically from `seed`: a zoo architecture built for the dataset, or
 * `loaded` (the model file, read by the caller; taken over) with a new head for the dataset's classes (newHead),
 * re-initialised (init fresh) and with BatchNorm after its bare convs (reinsertBn). The model's own whittle.preprocess
 * feeds it unless its weights are dropped. User mistakes (a model that does not fit the data, a weight with no known
 * fresh start) are ConfigErrors naming `model`.
 */
export async function prepareTeacher(source: TeacherSource, loaded: Graph | null, o: TeacherSetup): Promise<PreparedTeacher> {
  manualSeed(o.seed);
  if (source.arch !== undefined) {
    const dataset = normalizedFor(await openDataset(o.data, datasetOptions(o)), o, null);
    const graph = buildZooGraph(source.arch, { input: dataset.shape, classes: dataset.classes.length });
    Object.assign(graph.metadata, modelMetadata(dataset));
    return { graph, dataset, insertedBn: [], untied: [], warnings: [...dataset.warnings] };
  }
  let graph = loaded!;
  try {
    const opened = await openDataset(o.data, openOptionsFor(graph, o.data, datasetOptions(o)));
    checkHasValidation(opened);
    const dataset = normalizedFor(opened, o, source.init === 'keep' ? graph : null, 'model');
    asModelError(() => {
      if (source.newHead) replaceHead(graph, dataset.classes.length);
    }, 'train it on a dataset with its classes, or replace the head in the framework it came from');
    // class labels must match a classifier's classes; masks and target tensors are checked against the outputs' tasks
    if (dataset.label.kind === 'class') checkModelFits(graph, dataset, 'model', source.newHead ? undefined : "--new-head replaces its last linear layer by one for the dataset's classes");
    else checkModelTakes(graph, dataset, 'model');
    // Exporters store equal tensors once: an untrained network's zero biases and unit scales are one tensor for many
    // layers. Each layer of the module owned its own, so a fresh start unties every shared weight; kept weights that
    // several layers read stay tied, except running statistics, which training updates per BatchNorm.
    const shared = source.init === 'fresh' ? sharedInitializers(graph) : sharedStatistics(graph);
    if (shared.size) {
      const own = untie(graph, shared);
      graph.dispose();
      graph = own;
    }
    if (source.init === 'fresh') asModelError(() => freshInit(graph), 'train it with --init keep');
    const insertedBn = source.init === 'fresh'
      ? reinsertFreshBatchNorm(graph, source.reinsertBn)
      : reinsertBatchNorm(graph, dataset, source.reinsertBn, { device: o.device, seed: o.seed });
    Object.assign(graph.metadata, modelMetadata(dataset));
    return { graph, dataset, insertedBn, untied: [...shared], warnings: [...dataset.warnings, ...keptModelWarnings(source, graph, dataset)] };
  } catch (e) {
    graph.dispose();
    throw e;
  }
}

/** A model fine-tuned from its weights learnt with some normalisation and labels: say when the data may differ. */
function keptModelWarnings(source: Extract<TeacherSource, { model: string }>, graph: Graph, ds: Dataset): string[] {
  if (source.init !== 'keep') return [];
  const fmt = (xs: readonly number[]): string => xs.map((v) => +v.toFixed(4)).join(',');
  const stats = ds.statsSource === 'known' || ds.statsSource === 'computed'
    ? [`the model has no whittle.preprocess metadata, so its inputs are normalised with the dataset's statistics (--mean ${fmt(ds.mean)} --std ${fmt(ds.std)}); if its weights were trained with others (ImageNet's: --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225), give those`]
    : [];
  return [...stats, ...(source.newHead ? [] : labelWarnings(graph, ds))];
}

function asModelError(f: () => void, hint: string): void {
  try {
    f();
  } catch (e) {
    if (e instanceof GraphError) throw new ConfigError('model', e.message, hint);
    throw e;
  }
}
