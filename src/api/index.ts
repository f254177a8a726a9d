/**
 * The functions the CLI is made of: each command parses its flags with the same option spec these functions check
 * their options with, calls one of them, and prints the result.
 */
export { inspect, loadWithShape, type ModelReport } from './inspect.js';
export { openDataset } from './open-dataset.js';
export { describeDataset, type DatasetReport } from './describe-dataset.js';
export { prune, type PruneOutcome } from './prune.js';
export { trainTeacher, type TrainTeacherEvent } from './train-teacher.js';
export { evaluate, type Evaluation } from './evaluate.js';
export { compress, type CompressEvent, type CompressReport } from './compress.js';
export { checkDevice } from './device.js';
export { readRunReport, writeReport } from './report.js';
export { infer, inferNpy, inferFiles, type InferResult } from './infer.js';
export { quantize, type QuantizeReport, type LayerError } from './quantize.js';
export { profile, type ProfileReport } from './profile.js';
