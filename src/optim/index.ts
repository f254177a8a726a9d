/** Optimizers, learning-rate schedules and gradient clipping on the tensor API. */
export type { Optimizer, OptimizerState } from './optimizer.js';
export { Sgd, type SgdOptions } from './sgd.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { SCHEDULES, cosineSchedule, oneCycleSchedule, stepSchedule, type OneCycleOptions, type Schedule, type ScheduleName, type ScheduleOptions } from './schedule.js';
export { clipGradNorm } from './clip.js';
