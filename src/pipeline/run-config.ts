import { existsSync, statSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ScheduleName } from '../optim/index.js';
import type { Criterion, Metric } from '../prune/index.js';
import { ConfigError } from '../errors.js';
import { canMakeIn } from '../util/writable-file.js';
import { resolveEpochs, resolveRatios, splitEpochs } from './schedule.js';
import type { DatasetSettings } from './dataset-options.js';
import { COMPRESS_EPOCHS, COMPRESS_LR, compressSpec, type CompressOptions } from '../options/compress.js';
import { apiNaming, checkOptions } from '../options/validate.js';
import type { HintPair, ReinsertBnMode, Views } from '../distill/index.js';
import { resolvePrecision, type PrecisionChoice } from '../tensor/index.js';
import type { RuntimeName } from '../runtime/index.js';

/** The options of a compress run that decide its result (saved as run.json, so that --resume needs nothing else): compress()'s options from its spec, less the models, folders and callbacks. */
export type RunSettings = Omit<CompressOptions, 'teacher' | 'student' | 'out' | 'resume' | 'onEvent' | 'signal' | 'data'> & { data: string };

/** Every setting resolved to its value: report.json's `config`, and run.json. */
export type RunConfig = {
  /** The teacher's ONNX file, and the first student's (null: a copy of the teacher). */
  teacher: string; student: string | null; data: string; mode: 'progressive' | 'oneshot'; ratios: number[]; plan: number[]; metric: Metric;
  criterion: Criterion; allocation: 'global' | 'uniform';
  /** Uniform allocation: fractions of each step's current widths, or of the first student's. */
  uniformOf: 'current' | 'first';
  /** Node names whose channels are never cut (the pruner's `ignore`). */
  ignore: string[]; roundTo: number;
  /** Attention pruned by whole heads or by dims inside every head (null: heads, the flag not given); the embedding width pruned or kept. */
  attention: 'heads' | 'dims' | null; pruneEmbedding: 'on' | 'off';
  /**
   * Channel widths by group name that the last step cuts to (null: solved for its ratio), earlier steps keeping at
   * least them; and the model they came from.
   */
  widths: Record<string, number> | null; widthsOf: string | null;
  fadeEpochs: number; distill: boolean; temperature: number; alpha: number;
  /** Whether the data's labels train and pick epochs (use), or only score the teacher and the steps (ignore). */
  labels: 'use' | 'ignore';
  /** Each output's task and distillation loss as asked ('auto', TASK or NAME=TASK; NAME=LOSS), resolved per output in report.json's `tasks`. */
  task: string[]; loss: string[];
  /** MiB of cached teacher outputs held in memory (the rest in teacher-cache.bin in the run folder). */
  teacherCacheMemory: number;
  /** The teacher's targets: its logits, or their mean with the mirror image's. */
  teacherViews: Views;
  teacherMode: 'original' | 'previous'; epochsPerStep: number[]; optimizer: 'sgd' | 'adamw'; lr: number; batchSize: number;
  weightDecay: number; momentum: number;
  /** The lr schedule of each step. */
  schedule: ScheduleName;
  /** Decay of the weights' moving average (null: off). */
  ema: number | null; clipNorm: number | null; patience: number | null; warmupSteps: number | null;
  augment: 'default' | 'off'; taylorBatches: number;
  /** Batches for criterion activation (absent in run.json files written before it existed). */
  calibrationBatches?: number;
  /** BatchNorm re-insertion; feature distillation ('named': hintLayers), its pairs and weight. */
  reinsertBn: ReinsertBnMode; featureDistill: 'off' | 'auto' | 'named'; hintLayers: HintPair[] | null; hintWeight: number;
  seed: number; threads: number; device: string;
  /** The arithmetic asked for (report.json's top-level `precision` says what it resolved to). */
  precision: PrecisionChoice;
  trainSubset: number | null; valSize: number | null; imageSize: number | null;
  /** Channels the images are converted to (--channels); null: the teacher's input channels when grey or RGB. */
  channels: number | null;
  /** The normalisation given (--mean, --std); null: the teacher's whittle.preprocess, else the dataset's statistics. */
  mean: number[] | null; std: number[] | null;
  /** --quantize int8: the last step's final qatEpochs epochs are quantization-aware distillation (null: float only). */
  quantize: 'int8' | null; qatEpochs: number;
  /** --metric latency: the runtime, batch and intra-op threads it is measured at, and the final latency asked for in ms (null: ratios). */
  runtime: RuntimeName; latencyBatch: number; latencyThreads: number; targetLatency: number | null;
};

/**
 * Fills defaults and checks ranges from compressSpec (the one place an option's default and range are written), then
 * works out the plan; throws ConfigError naming the option.
 */
export function resolveConfig(teacher: string, settings: RunSettings, student: string | null = null): RunConfig {
  // only the spec's keys: callers pass compress()'s whole options (a data-parallel rank's `parallel` among them)
  const o = checkOptions(compressSpec, Object.fromEntries(Object.entries(settings).filter(([k, v]) => k in compressSpec && v !== undefined)), apiNaming);
  if (o.targetLatency !== undefined) {
    if (o.metric !== 'latency') throw new ConfigError('targetLatency', 'is a latency: it needs --metric latency', 'add --metric latency');
    if (o.ratios || o.target !== undefined) throw new ConfigError('targetLatency', `replaces ${o.ratios ? 'ratios' : 'target'}`, 'give either --target-latency (with --steps) or ratios');
  }
  // with a target latency, the ratios are known once the first student is timed (startRun sets them)
  const ratios = o.targetLatency !== undefined ? Array.from({ length: o.steps ?? 1 }, () => 1) : resolveRatios({ ...(o.ratios ? { ratios: o.ratios } : {}), ...(o.target !== undefined ? { target: o.target } : {}), ...(o.steps !== undefined ? { steps: o.steps } : {}) });
  if (o.epochs !== undefined && o.epochsPerStep !== undefined) throw new ConfigError('epochs', 'is the total that epochsPerStep would set step by step', 'give one of --epochs and --epochs-per-step');
  const perStep = o.epochsPerStep === undefined ? splitEpochs(o.epochs ?? COMPRESS_EPOCHS, ratios.length) : resolveEpochs(o.epochsPerStep, ratios.length);
  const stepEpochs = o.mode === 'oneshot' ? [perStep.reduce((a, b) => a + b, 0)] : perStep;
  const last = stepEpochs[stepEpochs.length - 1]!;
  if (o.quantize === 'int8' && o.qatEpochs > last) {
    throw new ConfigError('qatEpochs', `${o.qatEpochs} is more than the last step's ${last} epochs: the quantization-aware epochs are its final ones`, last > 0 ? `ask for --qat-epochs ${last} or fewer, or more epochs in the last step` : `give the last step at least ${o.qatEpochs} epochs`);
  }
  // the epochs each step trains in float (the cut and its fade come before the quantization-aware ones)
  const floatEpochs = stepEpochs.map((e, i) => (o.quantize === 'int8' && i === stepEpochs.length - 1 ? e - o.qatEpochs : e));
  // soft cuts by default where each step has an epoch left after a one-epoch fade (fading a whole step cost MNIST's 1-epoch steps)
  const fadeEpochs = o.fadeEpochs ?? (floatEpochs.every((e) => e === 0 || e >= 2) ? 1 : 0);
  const short = floatEpochs.findIndex((e) => e > 0 && e < fadeEpochs);
  if (short >= 0) throw new ConfigError('fadeEpochs', `${fadeEpochs} is more than step ${short + 1}'s ${floatEpochs[short]} epochs${floatEpochs[short] !== stepEpochs[short] ? ' before its quantization-aware ones' : ''}`, "fade over at most each step's epochs (a step of 0 epochs cuts at once)");
  if (o.schedule === 'onecycle' && o.warmupSteps !== undefined) throw new ConfigError('warmupSteps', "is the cosine schedule's warmup; the one-cycle schedule warms up over its first 30% of the batches", 'drop --warmup-steps, or use --schedule cosine');
  if (o.uniformOf === 'first' && o.allocation !== 'uniform') throw new ConfigError('uniformOf', `'first' measures uniform allocation's fractions, and allocation is '${o.allocation}'`, 'drop --uniform-of, or add --allocation uniform');
  if (o.teacherViews === 'flip' && (o.hintLayers?.length || o.featureDistill === 'auto')) throw new ConfigError('teacherViews', "'flip' averages the teacher's logits over two views, and feature distillation matches its features from one", 'drop --teacher-views, or the feature distillation');
  if (o.labels === 'ignore' && !o.distill) throw new ConfigError('labels', "'ignore' trains by distillation alone, and --no-distill trains on the labels alone", 'drop one of --labels ignore and --no-distill');
  // the quantization-aware epochs and feature hints train a classifier on its labels (its classic loss)
  if (o.labels === 'ignore' && (o.hintLayers?.length || o.featureDistill === 'auto')) throw new ConfigError('labels', "'ignore' is not taken by feature distillation yet (its hint losses train with the labels)", 'drop --feature-distill / --hint-layers');
  if (o.labels === 'ignore' && settings.alpha !== undefined) throw new ConfigError('labels', "'ignore' trains by distillation alone, and --alpha weighs the labels' loss against it", 'drop one of --labels ignore and --alpha');
  resolvePrecision(o.precision, o.device); // bf16 on a CPU without it is refused before anything is made
  const plan = o.mode === 'oneshot' ? [ratios.reduce((a, b) => a * b, 1)] : ratios;
  const hintLayers = o.hintLayers?.length ? o.hintLayers.map((p) => ({ teacher: p.teacher, student: p.student })) : null;
  return {
    teacher, student, data: settings.data, mode: o.mode, ratios, plan,
    metric: o.metric, criterion: o.criterion, allocation: o.allocation, uniformOf: o.uniformOf, ignore: [...(o.ignore ?? [])], roundTo: o.roundTo ?? (o.metric === 'latency' ? 8 : 1),
    attention: o.attention ?? null, pruneEmbedding: o.pruneEmbedding,
    widths: null, widthsOf: o.widthsOf === undefined ? null : typeof o.widthsOf === 'string' ? o.widthsOf : '(a model passed to compress)',
    fadeEpochs, distill: o.distill,
    temperature: o.temperature, alpha: o.alpha, labels: o.labels, task: [...o.task], loss: [...(o.loss ?? [])], teacherCacheMemory: o.teacherCacheMemory, teacherViews: o.teacherViews, teacherMode: o.teacherMode,
    epochsPerStep: stepEpochs,
    optimizer: o.optimizer, lr: o.lr ?? COMPRESS_LR[o.optimizer], batchSize: o.batchSize, weightDecay: o.weightDecay,
    momentum: o.momentum, schedule: o.schedule, ema: o.ema === 0 ? null : o.ema, clipNorm: o.clipNorm ?? null, patience: o.patience ?? null, warmupSteps: o.warmupSteps ?? null, augment: o.augment,
    taylorBatches: o.taylorBatches, calibrationBatches: o.calibrationBatches, reinsertBn: o.reinsertBn, featureDistill: hintLayers ? 'named' : o.featureDistill, hintLayers, hintWeight: o.hintWeight,
    seed: o.seed, threads: o.threads, device: o.device, precision: o.precision,
    trainSubset: o.trainSubset ?? null, valSize: o.valSize ?? null, imageSize: o.imageSize ?? null, channels: o.channels ?? null,
    mean: o.mean ? [...o.mean] : null, std: o.std ? [...o.std] : null,
    quantize: o.quantize ?? null, qatEpochs: o.qatEpochs,
    runtime: o.runtime, latencyBatch: o.latencyBatch, latencyThreads: o.latencyThreads, targetLatency: o.targetLatency ?? null,
  };
}

/** The dataset settings of a resolved config, as openDataset takes them. */
export function datasetSettings(c: RunConfig): DatasetSettings {
  return {
    seed: c.seed,
    ...(c.trainSubset === null ? {} : { trainSubset: c.trainSubset }),
    ...(c.valSize === null ? {} : { valSize: c.valSize }),
    ...(c.imageSize === null ? {} : { imageSize: c.imageSize }),
    ...(c.channels == null ? {} : { channels: c.channels }),
  };
}

/** A new run needs an absent or empty folder that can be made and written: an existing run is never overwritten. */
export async function checkNewRunFolder(out: string): Promise<void> {
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new ConfigError('out', `${out} is a file, not a folder`, 'choose a new -o folder');
    if ((await readdir(out)).length > 0) throw new ConfigError('out', `run folder ${out} already exists and is not empty`, `choose a new -o folder, or continue it with --resume ${out}`);
    return checkWritable(out);
  }
  // the nearest existing ancestor must be a writable folder
  let dir = dirname(resolve(out));
  while (!existsSync(dir)) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) throw new ConfigError('out', `cannot make ${out}: ${dir} is a file`, 'choose a new -o folder');
  checkWritable(dir);
}

function checkWritable(dir: string): void {
  if (!canMakeIn(dir)) throw new ConfigError('out', `cannot write in ${dir}`, 'choose an -o folder you can write to');
}

/** The config a run folder was started with (run.json). */
export async function readRunConfig(out: string): Promise<RunConfig> {
  const path = join(out, 'run.json');
  if (!existsSync(path)) throw new ConfigError('--resume', `${out} is not a whittle run folder (no run.json)`, 'pass the -o folder of an earlier whittle compress');
  // runs started before the allocation, fadeEpochs, ignore, uniformOf, ema, schedule and teacherViews options existed
  // used global allocation, hard cuts, current widths, no average, the cosine schedule, one teacher view and fp32
  const defaults: Pick<RunConfig, 'allocation' | 'fadeEpochs' | 'ignore' | 'uniformOf' | 'ema' | 'widths' | 'widthsOf' | 'schedule' | 'teacherViews' | 'precision' | 'quantize' | 'qatEpochs' | 'runtime' | 'latencyBatch' | 'latencyThreads' | 'targetLatency' | 'task' | 'loss' | 'teacherCacheMemory' | 'attention' | 'pruneEmbedding' | 'labels'> = {
    allocation: 'global', fadeEpochs: 0, ignore: [], uniformOf: 'current', ema: null, widths: null, widthsOf: null, schedule: 'cosine', teacherViews: 'off', precision: 'fp32', quantize: null, qatEpochs: 1, runtime: 'onnxruntime-node', latencyBatch: 1, latencyThreads: 1, targetLatency: null,
    task: ['auto'], loss: [], teacherCacheMemory: 2048, attention: null, pruneEmbedding: 'on', labels: 'use',
  };
  return { ...defaults, ...(JSON.parse(await readFile(path, 'utf8')) as Omit<RunConfig, keyof typeof defaults>) };
}

/**
 * The config a run of the same teacher, student, data and ratios gets with every other option at its default: what
 * a report's settings table leaves out. Null when the defaults do not resolve for it (the table then shows every setting).
 */
export function defaultConfigFor(c: Pick<RunConfig, 'teacher' | 'student' | 'data' | 'ratios'>): RunConfig | null {
  try {
    return resolveConfig(c.teacher, { data: c.data, ratios: c.ratios }, c.student);
  } catch {
    return null;
  }
}

/** The epochs step `i` (0-based) trains in float: all of them, but the last step's quantization-aware ones with --quantize int8. */
export const floatEpochsOf = (c: Pick<RunConfig, 'epochsPerStep' | 'quantize' | 'qatEpochs'>, i: number): number => c.epochsPerStep[i]! - (c.quantize === 'int8' && i === c.epochsPerStep.length - 1 ? c.qatEpochs : 0);
