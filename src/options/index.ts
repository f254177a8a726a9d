/** Option declarations: one spec per API function serves the API's validation, the CLI's flags and config files. */
export { objectOf, placed, helpLine, GROUPS, GROUP_TITLES, type Group, type Opt, type Spec, type OptionsOf, type CheckedOf, type Shape, type Defined } from './option.js';
export { checkOptions, apiNaming, type Naming } from './validate.js';
export { readConfig, type ConfigValues } from './config-file.js';
export { dataOption, datasetOptions, engineOptions, optimOptions } from './common.js';
export { compressSpec, type CompressOptions, type CheckedCompressOptions } from './compress.js';
export { pruneSpec, type PruneApiOptions, type CheckedPruneOptions } from './prune.js';
export { trainTeacherSpec, type TrainTeacherOptions, type CheckedTrainTeacherOptions } from './train-teacher.js';
export { evaluateSpec, type EvaluateOptions, type CheckedEvaluateOptions } from './evaluate.js';
export { inspectSpec, type InspectOptions, type CheckedInspectOptions } from './inspect.js';
export { openDatasetSpec, type DatasetOptions, type CheckedDatasetOptions } from './dataset.js';
export { quantizeSpec, SPEED_SEARCH, type QuantizeOptions, type CheckedQuantizeOptions, type SpeedSearch } from './quantize.js';
export { profileSpec, type ProfileOptions, type CheckedProfileOptions } from './profile.js';
