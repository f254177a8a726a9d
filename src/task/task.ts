import type { Tensor } from '../tensor/index.js';
import type { Dim } from '../graph/index.js';

/** What a model's output is for: class logits, per-pixel class logits, a vector per sample, or any other tensor. */
export const TASK_NAMES = ['classify', 'segment', 'embed', 'regress'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/**
 * How an output is distilled: T²·KL between softmaxes over its classes (per pixel for maps), channel-wise
 * distillation (cwd: T²·KL between each channel's softmax over the pixels), 1 − cosine plus normalised MSE,
 * binary cross-entropy against the teacher's sigmoid, or MSE normalised by the teacher's variance.
 */
export const LOSS_NAMES = ['kl', 'cwd', 'mse', 'cosine', 'bce'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

/**
 * How an output is trained on its labels when a teacher is trained (train-teacher --loss): cross-entropy (per
 * pixel for maps, 255 ignored), MSE normalised by the targets' variance, or binary cross-entropy of the logits
 * against targets in [0, 1].
 */
export const LABEL_LOSS_NAMES = ['ce', 'mse', 'bce'] as const;
export type LabelLossName = (typeof LABEL_LOSS_NAMES)[number];

/** The labels a dataset carries: class ids per sample, class ids per pixel, target tensors, or none. */
export type LabelKind = 'class' | 'mask' | 'tensor' | null;

/** A final activation of an output, which the losses look through: they read the logits before it. */
export type Activation = 'softmax' | 'sigmoid' | null;

/** One output of a model as a run treats it (resolved from the model, the data and the options by resolveHeads). */
export type Head = {
  /** The model's output name. */
  readonly output: string;
  /** The graph value read for losses, metrics and the teacher cache: the logits before a final Softmax or Sigmoid, else the output. */
  readonly value: string;
  readonly activation: Activation;
  /** The output's shape, batch first. */
  readonly shape: readonly Dim[];
  readonly task: TaskName;
  readonly loss: LossName;
  /** Whether the dataset's labels train this output (its task loss) and pick its best epoch (its task metric). */
  readonly labelled: boolean;
  /**
   * Whether the labels score this output (its task metrics against them, for information): every labelled output,
   * an embedding on class labels (k-NN accuracy), and under `--labels ignore` the output they would have trained.
   * Absent: as `labelled`.
   */
  readonly scored?: boolean;
  /** The loss against the labels when it is not the task's own (train-teacher --loss). */
  readonly labelLoss?: LabelLossName;
};

/** Whether the labels score a head (its task metrics are measured against them). */
export const scoresWithLabels = (h: Head): boolean => h.scored ?? h.labelled;

/** Named metric values, e.g. { agreement: 0.97 }. */
export type Metrics = Record<string, number>;

/** A head's metrics: against the teacher (fidelity), and against the labels when they score it (task). */
export type HeadMetrics = { fidelity: Metrics; task?: Metrics };

/**
 * A task's metrics over a split: each batch gives its part as numbers, and the parts of every batch, folded in the
 * split's order, give the metrics. Folding in order makes them the same whether one process measured every batch or
 * the ranks of a data-parallel run measured theirs and gathered the parts.
 */
export interface Meter {
  /** One batch's part: from the student's and the teacher's values of the head (float32), and the labels when it is labelled. */
  part(student: Tensor, teacher: Tensor, labels: Tensor | null): Float64Array;
  /** The metrics from every batch's part, in the split's order. */
  result(parts: readonly Float64Array[]): HeadMetrics;
}

/** The options a distillation loss takes: its temperature (kl, cwd) and a weight it is multiplied by. */
export type LossOptions = { temperature: number; weight: number };

/** One task: how it is recognised, trained and scored. The trainer, evaluator, cache and report ask it. */
export interface Task {
  readonly name: TaskName;
  /** Why an output of this shape (batch first) cannot be this task, or null when it can. */
  misfit(shape: readonly Dim[]): string | null;
  /** The labels its task loss and task metric use. */
  readonly labelKind: Exclude<LabelKind, null> | null;
  /** Labels that score it without training it (an embedding's k-NN accuracy on class ids), or null. */
  readonly scoredBy: Exclude<LabelKind, null> | null;
  /** The distillation loss for an output with this final activation. */
  defaultLoss(activation: Activation): LossName;
  /** The loss against the labels (mean over samples, or pixels), for labelled heads. */
  labelLoss(student: Tensor, labels: Tensor): Tensor;
  /** A fresh meter of its metrics for a head. */
  meter(head: Head): Meter;
  /** The metric that measures fidelity to the teacher (higher is better), which picks the best epoch without labels. */
  readonly fidelityMetric: string;
  /** The metric against labels that picks the best epoch when the head is labelled, or null (fidelity decides). */
  readonly taskMetric: string | null;
  /**
   * Whether the teacher cache may hold its targets in bfloat16 when training in bf16 (logits come out of a bf16
   * matmul); vectors and regression targets stay float32.
   */
  readonly cacheInBf16: boolean;
}
