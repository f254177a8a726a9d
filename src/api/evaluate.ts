import type { Graph } from '../graph/index.js';
import { countMacs } from '../exec/index.js';
import { manualSeed, resolvePrecision, setNumThreads, type Precision } from '../tensor/index.js';
import { startPrecision } from '../pipeline/precision.js';
import { checkViews, evaluateGraph, measureHeads, metricsByOutput, type Views } from '../distill/index.js';
import { checkModelFits, onnxruntimeLatency } from '../pipeline/evaluate-model.js';
import { headsFor, studentHeads } from '../pipeline/heads.js';
import { isLabelledClassifier, scoresWithLabels, type Head } from '../task/index.js';
import { loadOnnx } from '../onnx/index.js';
import { isQuantized, parametersWithQuantized } from '../quantize/index.js';
import { openFor } from '../pipeline/normalization.js';
import { labelWarnings } from '../pipeline/metadata.js';
import { apiNaming, checkOptions, evaluateSpec, type EvaluateOptions } from '../options/index.js';
import type { Dataset, Split } from '../data/index.js';
import { checkDevice } from './device.js';
import { ConfigError } from '../errors.js';

/** What evaluate() returns and `whittle eval --json` prints (besides model and data). */
export interface Evaluation {
  /** The split measured (option `split`, default test). */
  split: Split['name'];
  /** Top-1 accuracy on that split, in [0, 1]; NaN (null in JSON) for a model whose outputs no class labels score. */
  accuracy: number;
  /** Mean cross-entropy on that split; NaN (null in JSON) with `teacher` or for a model that is not a labelled classifier. */
  loss: number;
  /**
   * Each output's task and whether the labels are its task's labels (`labelled`) or score it otherwise (`scored`: an
   * embedding's k-NN accuracy on class labels); with `teacher`, or a model that is not a labelled classifier.
   */
  tasks?: { output: string; task: string; labelled: boolean; scored?: boolean }[];
  /** With `teacher`: per output name, the model's fidelity to the teacher on the split (docs/tasks.md). */
  fidelity?: Record<string, Record<string, number>>;
  /** Per output the labels score: its task metrics against them (accuracy, mIoU against masks, R² against targets, an embedding's knnAccuracy). */
  metrics?: Record<string, Record<string, number>>;
  /** Images in that split. */
  count: number;
  /** What each image was classified from (option `views`): the image, or the mean of the logits with its mirror image's. */
  views: Views;
  params: number;
  /** Multiply-accumulates per sample. */
  macs: number;
  /** The arithmetic of the forward passes (option `precision` resolved on this machine). */
  precision: Precision;
  /** Median batch-1 latency in onnxruntime-node (CPU), milliseconds; null with `latency: false`. */
  latencyMs: number | null;
  /** What the dataset said while opening (skipped images, images converted to the model's channels), and whether the
   * model's whittle.labels name other classes than the dataset's. */
  warnings: string[];
}

/**
 * A classifier's accuracy and loss on a dataset (a spec such as 'mnist', or an open Dataset), on its test split unless
 * `split` says val or train, its params and MACs, and its batch-1 latency in onnxruntime. Dataset options apply when
 * `data` is a spec. Images are normalised with `mean` and `std` when given, else as the model's whittle.preprocess
 * metadata says (when it fits the data), else with the dataset's statistics.
 */
export async function evaluate(model: Graph, data: string | Dataset, options: EvaluateOptions = {}): Promise<Evaluation> {
  const o = checkOptions(evaluateSpec, options, apiNaming);
  checkDevice(o.device);
  resolvePrecision(o.precision, o.device); // bf16 on a CPU without it is refused before the data is read
  setNumThreads(o.threads);
  manualSeed(o.seed);
  const { latency, device, threads, split, views, mean, std, onProgress, precision: given, teacher: teacherOption, task, loss, ...datasetOptions } = o;
  // an int8 file computes on its integer grid: bf16 would round its dequantized values off it (unless asked for)
  const asked = given === 'auto' && isQuantized(model) ? 'fp32' : given;
  const ds = await openFor(model, data, datasetOptions, { mean, std });
  const teacher = typeof teacherOption === 'string' ? loadOnnx(teacherOption) : teacherOption ?? null;
  try {
    // the model's own heads when alone; the teacher's (and the model's matched to them) with a teacher
    const heads = headsFor(teacher ?? model, ds, { task, loss: loss ?? [], distill: true }, teacher ? 'teacher' : 'model');
    const own = teacher ? studentHeads(model, ds, heads, 'model') : heads;
    if (teacher || !isLabelledClassifier(heads)) {
      if (!teacher && !heads.some(scoresWithLabels)) throw new ConfigError('teacher', `is needed: ${ds.spec}'s labels score none of the model's outputs (${heads.map((h) => `${h.output}: ${h.task}`).join(', ')})`, "give --teacher TEACHER.onnx to measure the model's fidelity to it");
      if (views !== 'off' && heads.some((h) => h.task !== 'classify')) throw new ConfigError('views', "'flip' averages class logits over mirror images", 'leave it off (the default)');
      return await measureAll(model, teacher, ds, own, heads, { split, views, device, asked, latency, threads, onProgress });
    }
  } finally {
    if (typeof teacherOption === 'string') teacher?.dispose();
  }
  checkModelFits(model, ds);
  checkViews(views, ds, 'views');
  if (ds[split].indices.length === 0) throw new ConfigError('split', `the ${split} split of ${ds.spec} has no images`, split === 'val' ? 'give --val-size a count above 0' : 'choose another --split');
  // A channels-last copy computes as the trainer does (libtorch's fast conv path on CPU); the caller's graph keeps its tensors.
  const fast = model.clone({ channelsLast: true });
  const onBatch = onProgress && ((batch: number, of: number): void => onProgress({ batch, of }));
  const { restore, precision } = startPrecision(asked, device);
  const m = await evaluateGraph(fast, ds, split, { device, views, ...(onBatch ? { onBatch } : {}) }).finally(() => {
    restore();
    fast.dispose();
  });
  return {
    split, views, precision, accuracy: m.accuracy, loss: m.loss, count: m.count, params: parametersWithQuantized(model), macs: countMacs(model).total,
    latencyMs: latency ? await onnxruntimeLatency(model, ds, threads) : null,
    warnings: [...ds.warnings, ...labelWarnings(model, ds)],
  };
}

type MeasureAllOptions = {
  split: Split['name']; views: Views; device: string; asked: EvaluateOptions['precision'];
  latency: boolean; threads: number; onProgress: EvaluateOptions['onProgress'];
};

/**
 * The metrics of every head of `model` on a split: fidelity to `teacher` (when given) and task metrics where the
 * labels fit; accuracy and loss are null unless a labelled classifier head gives the accuracy.
 */
async function measureAll(model: Graph, teacher: Graph | null, ds: Dataset, own: Head[], heads: Head[], o: MeasureAllOptions): Promise<Evaluation> {
  if (ds[o.split].indices.length === 0) throw new ConfigError('split', `the ${o.split} split of ${ds.spec} has no images`, o.split === 'val' ? 'give --val-size a count above 0' : 'choose another --split');
  const fast = model.clone({ channelsLast: true });
  const fastTeacher = teacher ? teacher.clone({ channelsLast: true }) : fast;
  const onBatch = o.onProgress && ((batch: number, of: number): void => o.onProgress!({ batch, of }));
  const { restore, precision } = startPrecision(o.asked ?? 'auto', o.device);
  const m = await measureHeads(fast, fastTeacher, ds, o.split, own, { device: o.device, views: o.views, teacherHeads: heads, ...(onBatch ? { onBatch } : {}) }).finally(() => {
    restore();
    fast.dispose();
    if (fastTeacher !== fast) fastTeacher.dispose();
  });
  const { fidelity, metrics } = metricsByOutput(heads, m);
  const classifier = heads.findIndex((h) => h.task === 'classify' && h.labelled);
  return {
    split: o.split, views: o.views, precision, accuracy: classifier >= 0 ? m[classifier]!.task!['accuracy']! : Number.NaN, loss: Number.NaN, count: ds[o.split].indices.length,
    params: parametersWithQuantized(model), macs: countMacs(model).total,
    latencyMs: o.latency ? await onnxruntimeLatency(model, ds, o.threads) : null,
    warnings: [...ds.warnings],
    tasks: heads.map((h) => ({ output: h.output, task: h.task, labelled: h.labelled, ...(!h.labelled && scoresWithLabels(h) ? { scored: true } : {}) })),
    ...(teacher ? { fidelity } : {}), ...(metrics ? { metrics } : {}),
  };
}
