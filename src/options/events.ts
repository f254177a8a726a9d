import type { Int8Summary, StepReport } from '../report/index.js';
import type { Precision } from '../tensor/index.js';

// What compress() and trainTeacher() report through their onEvent option. Declared beside the options (below the
// pipeline that emits them and the API that re-exports them), so that the option specs import nothing above them.

/** The passes over a split outside training that compress reports batch by batch. */
export type PassName = 'teacher-val' | 'teacher-test' | 'teacher-cache';

export type CompressEvent =
  /** At the start: the arithmetic of the forward passes and why (e.g. 'auto: the CPU has AVX512-BF16 or AMX'). */
  | { type: 'precision'; precision: Precision; reason: string }
  /** At the start: each output's task, loss and labels in words, and what picks the best epoch; with --labels ignore, what the labels still do. */
  | { type: 'tasks'; heads: string[]; score: string; labels?: string }
  | { type: 'teacher'; params: number; macs: number; valAccuracy: number; testAccuracy: number }
  | { type: 'resumed'; step: number; epoch: number; of: number }
  /** Something the run goes on with but the user should see: skipped images, a teacher that scores near chance. */
  | { type: 'warning'; message: string }
  /** The first student's initializers that layers with different channels shared, or that a BatchNorm read as a running statistic and as something else, now one copy per reader. */
  | { type: 'untied'; names: string[]; params: number }
  | { type: 'step-start'; step: number; of: number; targetRatio: number; epochs: number }
  | { type: 'pruned'; step: number; achievedRatio: number; params: number; macs: number; latency?: { requestedMs: number; measuredMs: number } }
  | { type: 'batch'; step: number; epoch: number; index: number; of: number; loss: number }
  /** A batch of a pass over a split outside training: the teacher's evaluation ('teacher-val', 'teacher-test') or
   * its cached outputs ('teacher-cache'). */
  | { type: 'pass'; pass: PassName; index: number; of: number }
  | { type: 'epoch-end'; step: number; epoch: number; epochs: number; trainLoss: number; valAccuracy: number; imagesPerSec: number }
  | { type: 'step-end'; step: number; report: StepReport }
  /**
   * --quantize int8: the last step's quantization-aware epochs begin, after its step-end (their batches and epoch ends
   * are reported under the last step, numbered on from its float epochs).
   */
  | { type: 'qat-start'; epochs: number; layers: number; activations: number }
  | { type: 'qat-end'; int8: Int8Summary };

/** Progress of trainTeacher(): after each batch and each epoch, then once with the result. */
export type TrainTeacherEvent =
  /** At the start: the arithmetic of the forward passes and why (e.g. 'auto: the CPU has AVX512-BF16 or AMX'). */
  | { type: 'precision'; precision: Precision; reason: string }
  | { type: 'batch'; epoch: number; index: number; of: number; loss: number }
  /**
   * Ready to train (a zoo architecture too, with nothing inserted or untied): a `model`'s BatchNorms inserted after
   * its bare convs (folded back in the file written) and initializers that several layers read, copied per layer (a
   * fresh start: all such; else running statistics); warnings: images skipped or converted, a kept model fed with
   * the dataset's statistics for want of its own whittle.preprocess, its whittle.labels not the dataset's classes.
   */
  | { type: 'prepared'; batchNormInserted: number; untied: string[]; warnings: string[];
    /** What picks the epochs and what valAccuracy and testAccuracy hold, for a model that is not a classifier on class labels (e.g. "mIoU (output 'output', labels)"). */
    score?: string }
  | { type: 'epoch-end'; epoch: number; trainLoss: number; valAccuracy: number; seconds: number; imagesPerSec: number }
  /** A resumed training: `epochs` are those done before it stopped, training goes on after the last. */
  | ({ type: 'resumed'; data: string; epoch: number; of: number; epochs: { epoch: number; trainLoss: number; valAccuracy: number; seconds: number; imagesPerSec: number }[] } & TeacherOrigin)
  | {
    type: 'trained'; params: number; bestEpoch: number; valAccuracy: number; testAccuracy: number; testLoss: number;
    /** Why training ended early, if it did (a non-finite loss). */
    stopped?: string;
  };

/** What a training trains: a zoo architecture, or a model file (its absolute path). */
export type TeacherOrigin = { arch: string; model?: never } | { model: string; arch?: never };
