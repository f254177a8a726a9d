import type { Footprints } from './types.js';

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
  /** BatchNorms re-inserted after bare convs for this step's training (folded back before saving). */
  batchNormInserted?: number;
  /** The hint pairs of feature distillation (teacher value, student value), when on. */
  hints?: { teacher: string; student: string }[];
};

export type TeacherSummary = { params: number; macs: number; valAccuracy: number; testAccuracy: number };

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
  final: { params: number; macs: number; valAccuracy: number; testAccuracy: number; paramsRatio: number; macsRatio: number };
  /** Every setting of the run, resolved (as in run.json), whether the teacher's outputs were cached, and the number of processes of a data-parallel run. */
  config: Config;
  /** The teacher's and the student's file sizes and onnxruntime-node latencies (absent in older reports, or when not measured). */
  footprint?: Footprints;
  /** The arithmetic of the run's forward passes (config.precision resolved on that machine); absent in reports written before it was added (fp32). */
  precision?: 'fp32' | 'bf16';
  versions: { whittle: string; libtorch: string; node: string };
};
