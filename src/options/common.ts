import { z } from 'zod';
import { Graph } from '../graph/index.js';
import { SCHEDULES } from '../optim/index.js';
import { PRECISIONS } from '../tensor/index.js';
import { choice, int, num, numList, optional, pattern, placed, text, textList, withDefault } from './option.js';

// Options several commands share. A command's spec spreads the groups it takes, so each option is declared once.

/** An ONNX file, or a model already loaded. */
export function modelOption(help: string, arg = '<file>') {
  return { ...text(help, { arg }), schema: z.union([z.string().min(1), z.instanceof(Graph)], { error: 'expected an ONNX file path or a model' }) };
}

/** A dataset spec, as openDataset() takes it. */
export const dataOption = placed('data', text('dataset: mnist, fashion-mnist, mnist-seg, idx:DIR, cifar:DIR, npy:DIR or folder:DIR', { arg: '<spec>' }));

/** How a dataset is split and sized (openDataset's options). */
export const datasetOptions = {
  trainSubset: placed('data', optional(int('train on the first N images of a seeded shuffle', 1))),
  valSize: placed('data', optional(num('validation images carved from train: a count or a fraction (default min(5000, 10%))',
    (n) => n >= 0 && (n < 1 || Number.isInteger(n)), 'expected a count >= 0 or a fraction in (0, 1)', { arg: '<n>' }))),
  imageSize: placed('data', optional(int("side of the square images: folder: images are decoded at it (default: the model's input side when it is fixed and square, else 32); other datasets keep their size unless it is given, then are resized with PIL's bilinear filter (torchvision's Resize)", 1, { max: 4096 }))),
  channels: placed('data', optional(num("convert images to 1 (grey, ITU-R 601-2 luma) or 3 (RGB, grey repeated) channels (default: the model's input channels when the images have the other of 1 and 3)",
    (x) => x === 1 || x === 3, 'expected 1 (grey) or 3 (RGB)', { arg: '<n>' }))),
  seed: placed('run', withDefault(int('random seed (splits, initialisation, pruning ties)', 0, { max: 0xffffffff }), 0)),
} as const;

/**
 * How images are normalised for the model: input = (pixel * scale - mean) / std per channel, scale 1/255 for 8-bit
 * images. Unset: the model's own whittle.preprocess metadata when it fits the data, else the dataset's statistics.
 */
/** How a transformer is pruned (prune and compress): attention by heads or by dims, the embedding width on or off. */
export const transformerOptions = {
  attention: placed('pruning', optional(choice('multi-head attention: remove whole heads (heads, what happens without the flag) or the same dimensions inside every head (dims); an error on a model without attention', ['heads', 'dims'] as const, { arg: '<heads|dims>' }))),
  pruneEmbedding: placed('pruning', withDefault(choice("prune a transformer's embedding width (its residual stream: patch or token embedding, class and position embeddings, every LayerNorm and projection on it): on or off", ['on', 'off'] as const, { arg: '<on|off>' }), 'on')),
} as const;

export const normalizationOptions = {
  mean: placed('data', optional(numList("per-channel mean the model was trained with, on pixels scaled to [0, 1] (one value: every channel), e.g. 0.485,0.456,0.406; default the model's whittle.preprocess, else the dataset's",
    Number.isFinite, 'each mean must be a finite number'))),
  std: placed('data', optional(numList("per-channel standard deviation to divide by, as for mean (raw 0-255 pixels: --mean 0 --std 0.00392156862745098)",
    (x) => x > 0 && Number.isFinite(x), 'each std must be a positive number'))),
} as const;

/** Where it runs. */
export const engineOptions = {
  threads: placed('run', withDefault(int('intra-op threads', 1), 2), { tier: 'basic' }),
  device: placed('run', withDefault(pattern('cpu, cuda or cuda:N', /^(cpu|cuda(:\d+)?)$/, 'expected cpu, cuda or cuda:N', { arg: '<d>' }), 'cpu'), { tier: 'basic' }),
  precision: placed('run', withDefault(choice("arithmetic of the forward passes: fp32, or bf16 (PyTorch's autocast: convolutions and matmuls in bfloat16; weights, optimizer, BatchNorm statistics, losses and saved models stay float32); auto: bf16 on a CPU with AVX512-BF16 or AMX, else fp32", PRECISIONS), 'auto')),
} as const;

/** What --schedule onecycle measured (BENCHMARKS.md). */
const ONECYCLE_MEASURED = 'onecycle: +0.13 and −0.01 points on resnet-small compressed to 12.5% in 12 epochs (two seeds), no gain over cosine';

/** The peak learning rate a command uses for each optimizer when `lr` is not given. */
export type LrDefaults = { readonly sgd: number; readonly adamw: number };

/** How a model is trained (teacher training and distillation); `lr` defaults per optimizer and `batchSize` per command, so the caller says. */
export function optimOptions(lr: LrDefaults, batchSize = 128) {
  return {
    optimizer: placed('training', withDefault(choice('optimizer', ['sgd', 'adamw'] as const), 'sgd')),
    lr: placed('training', optional(num('peak learning rate', (x) => x > 0, 'expected a positive number', { defaultText: `${lr.sgd} for sgd, ${lr.adamw} for adamw` }))),
    batchSize: placed('training', withDefault(int('batch size', 1), batchSize)),
    weightDecay: placed('training', withDefault(num('weight decay', (x) => x >= 0, 'expected a number >= 0'), 5e-4)),
    schedule: placed('training', withDefault(choice("learning-rate schedule: cosine (linear warmup, then cosine decay to 0) or onecycle (PyTorch's OneCycleLR: the lr rises from lr/25 over the first 30% of the batches, then falls to lr/250000, while the momentum, SGD's or AdamW's beta1, goes 0.95 to 0.85 and back, in place of any --momentum)", SCHEDULES), 'cosine'), { experimental: ONECYCLE_MEASURED }),
  } as const;
}

const TASK_HELP = "what each output is for: auto (from its shape, a final Softmax/Sigmoid and the data's labels), classify, segment, embed or regress; one for every output, or NAME=TASK per output (docs/tasks.md)";
const LOSS_HELP = "an output's distillation loss, NAME=LOSS (repeatable; LOSS alone: every output): kl (T²·KL, per pixel for maps), cwd (channel-wise KL over a map's pixels), mse (normalised by the teacher's variance), cosine (1 − cosine plus normalised MSE) or bce (against the teacher's sigmoid); default by task";

const LABEL_LOSS_HELP = "the labelled output's loss against the labels, LOSS or NAME=LOSS: ce (cross-entropy; per pixel for segment, 255 ignored), mse (regress: normalised by the targets' variance) or bce (regress: the logits against targets in [0, 1]); default ce, mse, or bce for an output after a Sigmoid on targets in [0, 1]";
export const task = withDefault(textList(TASK_HELP, { arg: '<task>', repeatable: true }), ['auto']);

/** The options that say what a model's outputs are and how each is distilled (compress, eval). */
export const taskOptions = {
  task: placed('distillation', task),
  loss: placed('distillation', optional(textList(LOSS_HELP, { arg: '<name=loss>', repeatable: true }))),
} as const;

/** What a model's outputs are, and the loss that trains the labelled one on its labels (train-teacher). */
export const labelTaskOptions = {
  task: placed('training', task),
  loss: placed('training', optional(textList(LABEL_LOSS_HELP, { arg: '<loss>', repeatable: true }))),
} as const;
