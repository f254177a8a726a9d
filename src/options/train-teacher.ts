import { ALL_ZOO } from '../zoo/index.js';
import type { TrainTeacherEvent } from './events.js';
import { apiOnly, choice, flag, int, optional, placed, text, withDefault, type CheckedOf, type OptionsOf } from './option.js';
import { dataOption, datasetOptions, engineOptions, labelTaskOptions, modelOption, normalizationOptions, optimOptions, type LrDefaults } from './common.js';

/** train-teacher's peak learning rate when `lr` is not given. */
export const TEACHER_LR: LrDefaults = { sgd: 0.05, adamw: 0.002 };

/** trainTeacher()'s options and `whittle train-teacher`'s flags. */
export const trainTeacherSpec = {
  arch: placed('model', withDefault(choice('architecture (unet-small: a segmentation net, per-pixel logits)', ALL_ZOO), 'vgg-small'), { tier: 'basic' }),
  model: placed('model', optional(modelOption('train this ONNX model (file or model) instead of a zoo architecture: its own weights (--init keep), or the architecture from scratch (--init fresh)')), { tier: 'basic' }),
  init: placed('model', optional(choice("with --model: keep its weights and fine-tune them, or fresh: start as new PyTorch layers do (conv and linear U(±1/sqrt(fan_in)), norms 1 and 0)", ['keep', 'fresh'] as const, { defaultText: 'keep' }))),
  newHead: placed('model', optional(flag("with --model: replace its last linear layer by a new one for the dataset's classes (a model made for other classes)"))),
  reinsertBn: placed('training', optional(choice("with --model: BatchNorm after the convs that have none, for training, folded back before saving (as compress; a fresh one with --init fresh, else calibrated so the function is unchanged): auto (when at most a quarter of the convs have one), on, off", ['auto', 'on', 'off'] as const, { defaultText: 'auto' }))),
  data: placed('data', withDefault(dataOption, 'mnist'), { tier: 'basic' }),
  epochs: placed('training', withDefault(int('training epochs', 1), 10), { tier: 'basic' }),
  ...optimOptions(TEACHER_LR),
  ...labelTaskOptions,
  augment: placed('training', withDefault(choice("'default' (the dataset's random crop and flip, where it has them: fashion-mnist, CIFAR, image folders) or 'off' (the images as they are; on a budget of a few epochs the model fits sooner)", ['default', 'off'] as const), 'default')),
  ...datasetOptions,
  ...normalizationOptions,
  ...engineOptions,
  out: placed('run', optional(text('also write the model to this ONNX file (checked before training starts); a checkpoint is kept beside it in FILE.checkpoint/ until it is written', { flags: '-o, --output <file>', aliases: ['output'] })), { tier: 'basic' }),
  resume: placed('run', optional(text('continue the stopped training that was writing this ONNX file, from its last epoch end, with its own settings (no other training options but --threads)', { arg: '<file>' })), { tier: 'basic' }),
  onEvent: placed('run', optional(apiOnly<(e: TrainTeacherEvent) => void>('called after each batch and epoch, and once with the result', (v) => typeof v === 'function', 'a function'))),
  signal: placed('run', optional(apiOnly<AbortSignal>('stops training at the next batch (AbortedError); with out, resume continues it', (v) => v instanceof AbortSignal, 'an AbortSignal'))),
} as const;

export type TrainTeacherOptions = OptionsOf<typeof trainTeacherSpec>;
export type CheckedTrainTeacherOptions = CheckedOf<typeof trainTeacherSpec>;
