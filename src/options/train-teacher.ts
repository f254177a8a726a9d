import { ZOO } from '../zoo/index.js';
import type { TrainTeacherEvent } from '../api/train-teacher.js';
import { apiOnly, choice, int, optional, text, withDefault, type CheckedOf, type OptionsOf } from './option.js';
import { dataOption, datasetOptions, engineOptions, normalizationOptions, optimOptions, type LrDefaults } from './common.js';

/** train-teacher's peak learning rate when `lr` is not given. */
export const TEACHER_LR: LrDefaults = { sgd: 0.05, adamw: 0.002 };

/** trainTeacher()'s options and `whittle train-teacher`'s flags. */
export const trainTeacherSpec = {
  arch: withDefault(choice('architecture', ZOO), 'vgg-small'),
  data: withDefault(dataOption, 'mnist'),
  epochs: withDefault(int('training epochs', 1), 10),
  ...optimOptions(TEACHER_LR),
  ...datasetOptions,
  ...normalizationOptions,
  ...engineOptions,
  out: optional(text('also write the model to this ONNX file (checked before training starts); a checkpoint is kept beside it in FILE.checkpoint/ until it is written', { flags: '-o, --output <file>', aliases: ['output'] })),
  resume: optional(text('continue the stopped training that was writing this ONNX file, from its last epoch end, with its own settings (no other training options)', { arg: '<file>' })),
  onEvent: optional(apiOnly<(e: TrainTeacherEvent) => void>('called after each batch and epoch, and once with the result', (v) => typeof v === 'function', 'a function')),
  signal: optional(apiOnly<AbortSignal>('stops training at the next batch (AbortedError); with out, resume continues it', (v) => v instanceof AbortSignal, 'an AbortSignal')),
} as const;

export type TrainTeacherOptions = OptionsOf<typeof trainTeacherSpec>;
export type CheckedTrainTeacherOptions = CheckedOf<typeof trainTeacherSpec>;
