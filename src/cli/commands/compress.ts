import type { Command } from 'commander';
import type { CompressOptions } from '../../pipeline/compress.js';
import { compress } from '../../pipeline/compress.js';
import { compressProgress, progressMode } from '../progress.js';
import { CRITERIA } from '../../prune/index.js';
import { ConfigError } from '../../errors.js';
import { parseChoice, parseNumber, parseNumberList, parsePositiveInt } from '../parse.js';
import { parseOptimOptions, parseRunOptions, withOptimOptions, withRunOptions, type OptimFlags, type RunFlags } from '../run-options.js';

type Flags = RunFlags & OptimFlags & {
  teacher?: string; student?: string; data?: string; output?: string; resume?: string; taylorBatches: string; momentum: string; clipNorm?: string;
  patience?: string; warmupSteps?: string; ratios?: string; target?: string; steps?: string; metric: string; criterion: string;
  roundTo: string; mode: string; distill: boolean; temperature: string; alpha: string; teacherMode: string; epochsPerStep: string;
  augment: string; json?: boolean;
};

export function registerCompress(p: Command): void {
  const c = p.command('compress')
    .description('progressive channel pruning with knowledge distillation: prune a step at a time, distil after each')
    .option('--teacher <file>', 'the trained teacher (ONNX); the first student is a copy of it')
    .option('--student <file>', 'the first student (ONNX), e.g. another architecture; default a copy of the teacher')
    .option('--data <spec>', 'dataset (mnist, fashion-mnist, idx:DIR, cifar:DIR, npy:DIR, folder:DIR)')
    .option('-o, --output <dir>', 'the run folder (must not exist or be empty)')
    .option('--resume <dir>', 'continue a stopped run from its last checkpoint, with its own settings (no other run flags)')
    .option('--ratios <list>', 'per-step ratios, e.g. 0.5,0.5,0.5')
    .option('--target <r>', 'final size as a fraction of the teacher (with --steps: a geometric schedule)')
    .option('--steps <n>', 'number of steps for --target', '1')
    .option('--metric <m>', 'params or macs', 'params')
    .option('--criterion <c>', `channel importance: ${CRITERIA.join(', ')} (taylor uses --taylor-batches of training data)`, 'l1')
    .option('--taylor-batches <n>', 'batches of training data for --criterion taylor', '8')
    .option('--round-to <n>', 'keep channel counts that are multiples of N', '1')
    .option('--mode <m>', 'progressive, or oneshot (prune to the product of the ratios, distil for the same total epochs)', 'progressive')
    .option('--no-distill', 'fine-tune with labels only (the no-distillation baseline)')
    .option('--temperature <T>', 'distillation temperature', '4')
    .option('--alpha <a>', 'weight of the distillation term (1 - alpha on the labels)', '0.9')
    .option('--teacher-mode <m>', 'original (distil from the teacher) or previous (from the previous student)', 'original')
    .option('--epochs-per-step <n>', 'epochs of distillation after each pruning step (a comma list for one per step)', '2')
    .option('--momentum <m>', 'SGD momentum (Nesterov)', '0.9')
    .option('--clip-norm <x>', "clip the gradients' joint L2 norm to this")
    .option('--patience <n>', 'stop a step after N epochs without a better validation accuracy')
    .option('--warmup-steps <n>', "batches of linear warmup at the start of each step's cosine schedule (default min(100, 5%))")
    .option('--augment <a>', "'default' (the dataset's) or 'off' (which lets the teacher's outputs be computed once)", 'default');
  withRunOptions(withOptimOptions(c, '0.02 for sgd, 0.001 for adamw'))
    .option('--json', 'print progress as JSON events, and the report as the last line')
    .action(async (f: Flags, cmd: Command) => {
      const progress = compressProgress(progressMode(f.json));
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const report = await compress({
          ...(f.resume !== undefined ? resumeOptions(f.resume, cmd) : runOptions(f)),
          onEvent: progress.onEvent,
          signal: stop.signal,
        });
        progress.stop();
        if (f.json) console.log(JSON.stringify(report));
        else console.log(`wrote ${f.resume ?? f.output}: student ${report.final.params} params (${(100 * report.final.paramsRatio).toFixed(1)}% of the teacher), test ${(100 * report.final.testAccuracy).toFixed(2)}% (teacher ${(100 * report.teacher.testAccuracy).toFixed(2)}%)`);
      } finally {
        progress.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/** --resume takes the run's own settings: any other run flag given on the command line is a mistake. */
function resumeOptions(dir: string, cmd: Command): CompressOptions {
  const extra = cmd.options.map((o) => o.attributeName()).filter((k) => !['resume', 'json'].includes(k) && cmd.getOptionValueSource(k) === 'cli');
  if (extra.length) throw new ConfigError('--resume', `takes no other run flags (got --${extra.map((k) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)).join(', --')}); the run's settings are in ${dir}/run.json`);
  return { resume: dir };
}

function runOptions(f: Flags): CompressOptions {
  if (f.teacher === undefined) throw new ConfigError('--teacher', 'is required (or --resume RUN_DIR to continue a run)');
  if (f.data === undefined) throw new ConfigError('--data', 'is required (e.g. --data fashion-mnist)');
  if (f.output === undefined) throw new ConfigError('--output', 'is required: the run folder to write (-o runs/NAME)');
  const epochs = parseNumberList('--epochs-per-step', f.epochsPerStep);
  return {
    teacher: f.teacher,
    ...(f.student !== undefined ? { student: f.student } : {}),
    data: f.data,
    out: f.output,
    ...(f.ratios !== undefined ? { ratios: parseNumberList('--ratios', f.ratios) } : {}),
    ...(f.target !== undefined ? { target: parseNumber('--target', f.target), steps: parsePositiveInt('--steps', f.steps ?? '1') } : {}),
    metric: parseChoice('--metric', f.metric, ['params', 'macs'] as const),
    criterion: parseChoice('--criterion', f.criterion, CRITERIA),
    taylorBatches: parsePositiveInt('--taylor-batches', f.taylorBatches),
    roundTo: parsePositiveInt('--round-to', f.roundTo),
    mode: parseChoice('--mode', f.mode, ['progressive', 'oneshot'] as const),
    distill: f.distill,
    temperature: parseNumber('--temperature', f.temperature),
    alpha: parseNumber('--alpha', f.alpha),
    teacherMode: parseChoice('--teacher-mode', f.teacherMode, ['original', 'previous'] as const),
    epochsPerStep: epochs.length === 1 ? epochs[0]! : epochs,
    ...parseOptimOptions(f),
    augment: parseChoice('--augment', f.augment, ['default', 'off'] as const),
    momentum: parseNumber('--momentum', f.momentum),
    ...(f.clipNorm !== undefined ? { clipNorm: parseNumber('--clip-norm', f.clipNorm) } : {}),
    ...(f.patience !== undefined ? { patience: parsePositiveInt('--patience', f.patience) } : {}),
    ...(f.warmupSteps !== undefined ? { warmupSteps: parsePositiveInt('--warmup-steps', f.warmupSteps, 0) } : {}),
    ...parseRunOptions(f),
  };
}
