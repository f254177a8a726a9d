import { z } from 'zod';
import type { CompressEvent } from './events.js';
import { CRITERIA } from '../prune/index.js';
import { VIEWS } from '../distill/views.js';
import { RUNTIMES } from '../runtime/index.js';
import { apiOnly, choice, flag, int, num, numList, optional, placed, text, textList, withDefault, type CheckedOf, type OptionsOf } from './option.js';
import { dataOption, taskOptions, datasetOptions, engineOptions, modelOption, normalizationOptions, optimOptions, transformerOptions, type LrDefaults } from './common.js';

/** compress's peak learning rate when `lr` is not given. */
export const COMPRESS_LR: LrDefaults = { sgd: 0.02, adamw: 0.001 };
/** Epochs of distillation in all when neither `epochs` nor `epochsPerStep` is given. */
export const COMPRESS_EPOCHS = 12;
// What the experimental options measured (BENCHMARKS.md), for --help-all and docs/options.md.
const TEACHER_VIEWS_MEASURED = 'flip: +0.07 ± 0.22 points on resnet-small (six seeds) and +0.18 ± 0.23 on vgg-small (four) at 12.5%, inside the seed spread';
const HINTS_MEASURED = 'hints: −0.46 points on resnet-small and −0.28 on vgg-small at 12.5% (one seed each), +0.06 on vgg-small at 25%, in 1.7-2x the time';
/** How `epochs` is split over the steps, in words (pipeline/schedule.ts splitEpochs does it). */
const EPOCH_SPLIT = 'two thirds to the last, the rest evenly over the others (12 over 3 steps: 2+2+8; 24: 4+4+16)';

const EPOCHS_MSG = 'expected a whole number >= 0, or a list with one per step';
const HINT_MSG = 'expected teacherValue:studentValue pairs separated by commas, e.g. relu_4:relu_4,relu_6:relu_6';
const epochs = z.int({ error: EPOCHS_MSG }).min(0, { error: EPOCHS_MSG });

/** Every option of compress(), `whittle compress` and its whittle.yaml: adding an option is one entry here. */
export const compressSpec = {
  teacher: placed('model', optional(modelOption('the trained teacher (ONNX file or model); required unless resuming')), { tier: 'basic' }),
  student: placed('model', optional(modelOption('the first student (ONNX file or model), e.g. another architecture; default a copy of the teacher'))),
  data: placed('data', optional(dataOption), { tier: 'basic' }),
  ...datasetOptions,
  ...normalizationOptions,
  out: placed('run', optional(text('the run folder (must not exist or be empty); required unless resuming', { flags: '-o, --output <dir>', aliases: ['output'] })), { tier: 'basic' }),
  resume: placed('run', optional(text('continue the stopped run in this folder from its last checkpoint, with its own settings (no other run options but --threads)', { arg: '<dir>' })), { tier: 'basic' }),
  ratios: placed('pruning', optional(numList('per-step size ratios, e.g. 0.5,0.5,0.5', (r) => r > 0 && r <= 1, 'each ratio must be in (0, 1]')), { tier: 'basic' }),
  target: placed('pruning', optional(num('final size as a fraction of the teacher (with steps: a geometric schedule)', (r) => r > 0 && r <= 1, 'must be in (0, 1]', { arg: '<r>' })), { tier: 'basic' }),
  steps: placed('pruning', optional(num('number of steps for target', (n) => Number.isInteger(n) && n >= 1, 'expected an integer >= 1', { arg: '<n>', defaultText: '1' })), { tier: 'basic' }),
  metric: placed('pruning', withDefault(choice('what the ratios measure: params, macs, or latency (measured on --runtime: a table of each channel group\'s latency over its widths, then each student timed whole until within 5% of its step\'s target)', ['params', 'macs', 'latency'] as const), 'params')),
  targetLatency: placed('pruning', optional(num('with --metric latency, instead of ratios or --target: the final latency in milliseconds, reached in --steps geometric steps', (x) => x > 0, 'must be > 0 (milliseconds)', { arg: '<ms>' }))),
  runtime: placed('pruning', withDefault(choice('with --metric latency: the runtime latency is measured on (onnxruntime-web: its WebAssembly backend, run in Node)', RUNTIMES), 'onnxruntime-node')),
  latencyBatch: placed('pruning', withDefault(int('with --metric latency: the batch size latency is measured at', 1), 1)),
  latencyThreads: placed('pruning', withDefault(int('with --metric latency: the runtime\'s intra-op threads (--threads stays the training threads)', 1), 1)),
  criterion: placed('pruning', withDefault(choice('channel importance (taylor uses taylorBatches of training data, activation calibrationBatches)', CRITERIA), 'l1')),
  taylorBatches: placed('pruning', withDefault(int('batches of training data for criterion taylor', 1), 8)),
  calibrationBatches: placed('pruning', withDefault(int('batches of training data whose mean |activation| ranks the units, for criterion activation', 1), 8)),
  allocation: placed('pruning', withDefault(choice("how a step's ratio is spread over the layers: global (one importance threshold over all channel groups) or uniform (the same fraction of every group)", ['global', 'uniform'] as const), 'uniform')),
  uniformOf: placed('pruning', withDefault(choice("uniform allocation over several steps: the same fraction of each step's current widths (current), or of the first student's (first), so that rounding (roundTo) does not pile up on a few layers over the steps", ['current', 'first'] as const), 'current')),
  ignore: placed('pruning', optional(textList("node names whose channels are never cut, e.g. the first conv (comma-separated on the command line; `whittle inspect` lists the names)", { arg: '<names>' }))),
  ...transformerOptions,
  roundTo: placed('pruning', optional(num('keep channel counts that are multiples of N', (n) => Number.isInteger(n) && n >= 1, 'expected an integer >= 1', { arg: '<n>', defaultText: '1, 8 with --metric latency' }))),
  fadeEpochs: placed('pruning', optional(num("soft cuts: epochs at the start of each step over which the channels its cut removes are faded to 0 while the uncut student trains; the cut follows at the end of the epoch the fade ends in (0: cut at once)", (n) => n >= 0, 'must be >= 0', { arg: '<n>', defaultText: '1 when every step trains at least 2 epochs, else 0' }))),
  widthsOf: placed('pruning', optional(modelOption("the last step cuts to this model's channel widths (same architecture as the student: a progressive run's final student, or widths measured fast) instead of solving for its ratio, and earlier steps keep at least them; with --mode oneshot a baseline that differs from that run by its schedule alone"))),
  mode: placed('pruning', withDefault(choice('progressive, or oneshot (prune to the product of the ratios, distil for the same total epochs)', ['progressive', 'oneshot'] as const), 'progressive')),
  distill: placed('distillation', withDefault(flag('distil from the teacher; false (--no-distill): fine-tune with labels only, the no-distillation baseline', { flags: '--no-distill', flagHelp: 'fine-tune with labels only instead of distilling from the teacher (the no-distillation baseline)' }), true)),
  temperature: placed('distillation', withDefault(num('distillation temperature', (t) => t > 0, 'must be > 0', { arg: '<T>' }), 2)),
  alpha: placed('distillation', withDefault(num('weight of the distillation term (1 - alpha on the labels)', (a) => a >= 0 && a <= 1, 'must be in [0, 1]', { arg: '<a>' }), 0.5)),
  ...taskOptions,
  labels: placed('data', withDefault(choice("the data's labels: use (they train with --alpha and pick each step's best epoch), or ignore (distillation alone and the best epoch by fidelity to the teacher, as for data without labels; the labels still score the teacher and every step on the test split, in report.json's metrics)", ['use', 'ignore'] as const), 'use')),
  teacherCacheMemory: placed('distillation', withDefault(int("MiB of the teacher's cached outputs held in memory; the rows beyond go to teacher-cache.bin in the run folder (read back as batches need them, removed at the end); as many again for its outputs on the validation and test splits (beyond: computed again at each measure)", 0, { arg: '<MiB>' }), 2048)),
  teacherViews: placed('distillation', withDefault(choice("the teacher's targets: off (its logits on each training image), or flip (the mean of its logits on the image and on its mirror image, a two-view ensemble of the teacher; with the teacher cache it costs one more pass, once; only for datasets whose default augmentation flips, so that mirror images keep their class)", VIEWS), 'off'), { experimental: TEACHER_VIEWS_MEASURED }),
  teacherMode: placed('distillation', withDefault(choice('original (distil from the teacher) or previous (from the previous student)', ['original', 'previous'] as const), 'original'), { experimental: 'previous: −0.58 points against the original teacher at 3.1% of vgg-small (one seed)' }),
  epochs: placed('training', optional(int(`epochs of distillation in all, split over the steps with the last step getting the most: ${EPOCH_SPLIT} (instead of --epochs-per-step)`, 1, { defaultText: String(COMPRESS_EPOCHS) })), { tier: 'basic' }),
  epochsPerStep: placed('training', optional({
    help: 'epochs of distillation after each pruning step, one number for every step or a list with one per step (instead of --epochs)',
    arg: '<n|list>',
    defaultText: 'from --epochs',
    fromString: (s: string) => {
      const xs = s.split(',').map((x) => (x.trim() === '' ? Number.NaN : Number(x)));
      return xs.length === 1 ? xs[0] : xs;
    },
    schema: z.union([epochs, z.array(epochs).min(1).readonly()], { error: EPOCHS_MSG }),
  })),
  quantize: placed('quantization', optional(choice("int8: the last step's final --qat-epochs epochs distil with weights and activations fake-quantized (quantization-aware training; the run trains as many epochs as without it), and student.int8.onnx is written beside student.onnx, the same weights in float (QDQ, as `whittle quantize` writes it)", ['int8'] as const))),
  qatEpochs: placed('quantization', withDefault(int("how many of the last step's epochs are quantization-aware with --quantize int8 (at a tenth of the learning rate; at most the step's epochs)", 1), 1)),
  ...optimOptions(COMPRESS_LR, 64),
  momentum: placed('training', withDefault(num('SGD momentum (Nesterov)', (m) => m >= 0 && m < 1, 'must be in [0, 1)', { arg: '<m>' }), 0.9)),
  ema: placed('training', withDefault(num("decay of an exponential moving average of the weights, which validation, each step's best-epoch choice and the saved students use (0: off; at update n of a step it is min(decay, (1+n)/(10+n)), so 0.999 holds only after 9,000 updates; with --fade-epochs it starts at the cut)", (d) => d >= 0 && d < 1, 'must be in [0, 1) (0: off)', { arg: '<decay>' }), 0.999)),
  clipNorm: placed('training', optional(num("clip the gradients' joint L2 norm to this", (x) => x > 0, 'must be > 0'))),
  patience: placed('training', optional(int('stop a step after N epochs without a better validation accuracy', 1))),
  warmupSteps: placed('training', optional(int("batches of linear warmup at the start of each step's cosine schedule (default min(100, 5%))", 0))),
  augment: placed('training', withDefault(choice("'off' (the images as they are, which lets the teacher's outputs be computed once) or 'default' (the dataset's random crop/flip)", ['default', 'off'] as const), 'off')),
  reinsertBn: placed('training', withDefault(choice('BatchNorm after the convs that have none (not those on globally pooled features), for training (calibrated so the function is unchanged, folded back before saving): auto (when at most a quarter of the convs have one), on, off', ['auto', 'on', 'off'] as const), 'auto')),
  featureDistill: placed('distillation', withDefault(choice('hint losses on intermediate features through 1x1 adapters: off, or auto (one pair per spatial resolution)', ['off', 'auto'] as const), 'off'), { experimental: HINTS_MEASURED }),
  hintLayers: placed('distillation', optional({
    help: 'hint pairs by value name, teacherValue:studentValue,... (turns feature distillation on)',
    arg: '<pairs>',
    fromString: (s: string) => s.split(',').map((x) => x.trim()).filter((x) => x !== '').map((p) => {
      const [teacher, student, ...rest] = p.split(':');
      return teacher && student && !rest.length ? { teacher, student } : p;
    }),
    schema: z.array(z.object({ teacher: z.string().min(1), student: z.string().min(1) }, { error: HINT_MSG }), { error: HINT_MSG }).min(1, { error: HINT_MSG }).readonly(),
  }), { experimental: HINTS_MEASURED }),
  hintWeight: placed('distillation', withDefault(num('weight of the hint loss next to the logit loss (beta)', (x) => x > 0, 'must be > 0', { arg: '<beta>' }), 1), { experimental: HINTS_MEASURED }),
  ...engineOptions,
  onEvent: placed('run', optional(apiOnly<(e: CompressEvent) => void>('called with each progress event', (v) => typeof v === 'function', 'a function'))),
  signal: placed('run', optional(apiOnly<AbortSignal>('stops the run at the next batch (AbortedError), leaving a folder that resume continues', (v) => v instanceof AbortSignal, 'an AbortSignal'))),
} as const;

/** What compress() takes. */
export type CompressOptions = OptionsOf<typeof compressSpec>;
/** compress()'s options after checking, with defaults. */
export type CheckedCompressOptions = CheckedOf<typeof compressSpec>;
