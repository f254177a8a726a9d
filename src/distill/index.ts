/** Training and distillation of graph models: the loss, the trainer, evaluation. */
export { distillationLoss, type DistillLossOptions } from './losses.js';
export { fit, toChannelsLast, type TrainOptions, type EpochResult, type FitResult, type BatchInfo } from './trainer.js';
export { evaluateGraph, batchOnDevice, forward, type Evaluation } from './evaluate.js';
export { evaluateShared } from './evaluate-shared.js';
export type { DataParallel } from './data-parallel.js';
