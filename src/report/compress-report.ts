import type { Footprints, Int8Summary } from './types.js';

// The types of report.json, which the compress pipeline writes and this module renders. They live here, on the
// bottom floor, so that rendering imports nothing above it; `config` is the run's settings, typed by the pipeline.

/** report.json: the teacher, then one entry per step (contract: field names as in the compress issue). */
export type EpochRow = { epoch: number; trainLoss: number; valAccuracy: number };

export type StepReport = {
  step: number;
  targetRatio: number;
  /** Achieved size relative to the previous student, in the run's metric. */
  achievedRatio: number;
  params: number;
  macs: number;
  /** Validation accuracy of the student just cut, before this step's training (absent in reports written before it was measured). */
  cutValAccuracy?: number;
  valAccuracy: number;
  testAccuracy: number;
  seconds: number;
  imagesPerSec: number;
  epochs: EpochRow[];
  /** Kept and total units per pruned group; `kind` what they are (channels, hidden, heads...; absent in reports written before kinds). */
  groups: { name: string; kind?: string; kept: number; total: number }[];
  stopped?: string;
  /** --metric latency: the step's target latency and the cut student's measured latency, ms (on config.runtime). */
  latency?: { requestedMs: number; measuredMs: number };
  /** BatchNorms re-inserted after bare convs for this step's training (folded back before saving). */
  batchNormInserted?: number;
  /** The hint pairs of feature distillation (teacher value, student value), when on. */
  hints?: { teacher: string; student: string }[];
  /** On the test split, per output name: the student's fidelity to the teacher (e.g. { agreement }, { mIoU }, { cosine, neighbourAgreement }, { r2, relativeMse }). */
  fidelity?: Record<string, Metrics>;
  /** On the test split, per output the labels score: its task metrics against them (e.g. { accuracy }, { mIoU }, { r2 }, { knnAccuracy }). */
  metrics?: Record<string, Metrics>;
};

/** Named metric values. */
export type Metrics = Record<string, number>;

/**
 * One output of the teacher as the run treated it (docs/tasks.md): its task, distillation loss, whether labels trained
 * it and with which loss (`labelLoss`: ce, mse, or bce for a Sigmoid regressor on targets in [0, 1]), and `scored`
 * when they scored it without training it (an embedding's k-NN accuracy, --labels ignore).
 */
export type TaskSummary = { output: string; task: string; loss: string; labelled: boolean; labelLoss?: string; scored?: boolean; shape: string[] };

/**
 * The teacher's size and scores. valAccuracy and testAccuracy are accuracies for a labelled classifier, else the run's
 * selection score (CompressReport.score); `metrics`: its task metrics on the test split per labelled output.
 */
export type TeacherSummary = { params: number; macs: number; valAccuracy: number; testAccuracy: number; metrics?: Record<string, Metrics> };

/** How the run's dataset was fed: its images as the models took them, their normalisation and where it came from. */
export type DataSummary = {
  spec: string; classes: string[];
  /** [C, H, W] as fed; `storedChannels` differs when grey images were repeated over RGB or RGB made grey. */
  shape: number[]; storedChannels: number;
  mean: number[]; std: number[]; statsSource: string;
  /** What opening the data and scoring the teacher said (the run's `warning` events). */
  warnings: string[];
};

export type CompressReport<Config extends object = Readonly<Record<string, unknown>>> = {
  teacher: TeacherSummary;
  /** Absent in reports written before it was added. */
  data?: DataSummary;
  steps: StepReport[];
  final: { params: number; macs: number; valAccuracy: number; testAccuracy: number; paramsRatio: number; macsRatio: number; fidelity?: Record<string, Metrics>; metrics?: Record<string, Metrics> };
  /** Each output's task, loss and labels (absent in reports written before tasks). */
  tasks?: TaskSummary[];
  /**
   * What the val/test "accuracy" figures and the best-epoch choice measure: 'accuracy' for a labelled classifier,
   * else the task metric of labelled outputs or the fidelity metric of the others (averaged over outputs), in words.
   */
  score?: string;
  /** Every setting of the run, resolved (as in run.json), whether the teacher's outputs were cached, and the number of processes of a data-parallel run. */
  config: Config;
  /** The teacher's and the student's file sizes and onnxruntime-node latencies (absent in older reports, or when not measured). */
  footprint?: Footprints;
  /** The int8 student of a run with --quantize int8. */
  int8?: Int8Summary;
  /** The arithmetic of the run's forward passes (config.precision resolved on that machine); absent in reports written before it was added (fp32). */
  precision?: 'fp32' | 'bf16';
  versions: { whittle: string; libtorch: string; node: string };
};
