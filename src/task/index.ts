/** Tasks as values: what each model output is for, how it is distilled and trained, and how it is scored. */
export { TASK_NAMES, LOSS_NAMES, LABEL_LOSS_NAMES, scoresWithLabels, type TaskName, type LossName, type LabelLossName, type LabelKind, type Activation, type Head, type Metrics, type HeadMetrics, type Meter, type Task, type LossOptions } from './task.js';
export { TASKS } from './tasks.js';
export { withLabelLosses, defaultLabelLoss, headLabelLoss, type TargetRange } from './label-losses.js';
export { distillLoss, klLoss, cwdLoss, normalizedMse, cosineLoss, bceLoss } from './losses.js';
export { resolveHeads, autoTask, finalActivation, describeHeads, type HeadOptions } from './heads.js';
export { headsLoss, selectionScore, scoreName, isLabelledClassifier, type ObjectiveOptions } from './objective.js';
export { meanIoU, IGNORE_LABEL } from './segment.js';
export { neighbourAgreement, knnCorrect, KNN_K } from './embed.js';
