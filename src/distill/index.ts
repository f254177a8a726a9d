/** Training and distillation of graph models: the loss, the trainer, evaluation. */
export { distillationLoss, type DistillLossOptions } from './losses.js';
export { fit, toChannelsLast, AbortedError, type TrainOptions, type EpochResult, type FitResult, type FitCheckpoint, type BatchInfo } from './trainer.js';
export { snapshot, restore, disposeSnapshot, type Snapshot } from './snapshot.js';
export { evaluateGraph, batchOnDevice, forward, type Evaluation } from './evaluate.js';
