/** Training and distillation of graph models: the loss, the trainer, evaluation. */
export { distillationLoss, type DistillLossOptions } from './losses.js';
export { fit, checkHasValidation, toChannelsLast, AbortedError, type TrainOptions, type EpochResult, type FitResult, type FitCheckpoint, type BatchInfo } from './trainer.js';
export { snapshot, restore, disposeSnapshot, type Snapshot } from './snapshot.js';
export { evaluateGraph, batchOnDevice, forward, forwardWith, logitsOverViews, runAtPrecision, type Evaluation, type EvaluateGraphOptions } from './evaluate.js';
export { reinsertBatchNorm, reinsertFreshBatchNorm, convsToNormalise, measureChannelStats, REINSERT_BN_MODES, type ReinsertBnMode, type ReinsertBnOptions } from './reinsert-bn.js';
export { sampleTrainBatches } from './sample-batches.js';
export { FeatureDistiller, autoHintPairs, parseHintPairs, hintTerm, type HintPair, type FeatureDistillOptions } from './hint.js';
export { evaluateShared } from './evaluate-shared.js';
export { checkViews, VIEWS, type Views } from './views.js';
export type { DataParallel } from './data-parallel.js';
export { headValues, headValuesOverViews, measureHeads, metricsByOutput, labelsOf } from './heads.js';
export { TeacherOutputs } from './teacher-outputs.js';
