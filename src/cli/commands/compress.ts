import type { Command } from 'commander';
import { compress, type CompressEvent } from '../../pipeline/compress.js';
import { CRITERIA } from '../../prune/index.js';
import { ConfigError } from '../../errors.js';
import { parseChoice, parseNumber, parseNumberList, parsePositiveInt } from '../parse.js';
import { parseOptimOptions, parseRunOptions, withOptimOptions, withRunOptions, type OptimFlags, type RunFlags } from '../run-options.js';
import { runDistributed, withDistributedOptions, type DistributedFlags } from '../distributed-options.js';

type Flags = RunFlags & OptimFlags & DistributedFlags & {
  teacher: string; data: string; output: string; ratios?: string; target?: string; steps?: string; metric: string; criterion: string;
  roundTo: string; mode: string; distill: boolean; temperature: string; alpha: string; teacherMode: string; epochsPerStep: string;
  augment: string; json?: boolean;
};

function describe(e: CompressEvent): string {
  switch (e.type) {
    case 'teacher': return `teacher: ${e.params} params, ${e.macs} MACs, val ${(100 * e.valAccuracy).toFixed(2)}%, test ${(100 * e.testAccuracy).toFixed(2)}%`;
    case 'step-start': return `step ${e.step}/${e.of}: prune to ${e.targetRatio.toFixed(4)}`;
    case 'pruned': return `  pruned: ratio ${e.achievedRatio.toFixed(4)}, ${e.params} params, ${e.macs} MACs`;
    case 'epoch-end': return `  epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, val ${(100 * e.valAccuracy).toFixed(2)}%, ${e.imagesPerSec.toFixed(0)} images/s`;
    case 'step-end': return `  step ${e.step}: val ${(100 * e.report.valAccuracy).toFixed(2)}%, test ${(100 * e.report.testAccuracy).toFixed(2)}%, ${e.report.seconds.toFixed(1)} s${e.report.stopped ? ` (${e.report.stopped})` : ''}`;
  }
}

export function registerCompress(p: Command): void {
  const c = p.command('compress')
    .description('progressive channel pruning with knowledge distillation: prune a step at a time, distil after each')
    .requiredOption('--teacher <file>', 'the trained teacher (ONNX); the first student is a copy of it')
    .requiredOption('--data <spec>', 'dataset (mnist, fashion-mnist, idx:DIR, cifar:DIR, npy:DIR, folder:DIR)')
    .requiredOption('-o, --output <dir>', 'the run folder (must not exist or be empty)')
    .option('--ratios <list>', 'per-step ratios, e.g. 0.5,0.5,0.5')
    .option('--target <r>', 'final size as a fraction of the teacher (with --steps: a geometric schedule)')
    .option('--steps <n>', 'number of steps for --target', '1')
    .option('--metric <m>', 'params or macs', 'params')
    .option('--criterion <c>', `channel importance: ${CRITERIA.filter((c) => c !== 'taylor').join(', ')}`, 'l1')
    .option('--round-to <n>', 'keep channel counts that are multiples of N', '1')
    .option('--mode <m>', 'progressive, or oneshot (prune to the product of the ratios, distil for the same total epochs)', 'progressive')
    .option('--no-distill', 'fine-tune with labels only (the no-distillation baseline)')
    .option('--temperature <T>', 'distillation temperature', '4')
    .option('--alpha <a>', 'weight of the distillation term (1 - alpha on the labels)', '0.9')
    .option('--teacher-mode <m>', 'original (distil from the teacher) or previous (from the previous student)', 'original')
    .option('--epochs-per-step <n>', 'epochs of distillation after each pruning step (a comma list for one per step)', '2')
    .option('--augment <a>', "'default' (the dataset's) or 'off' (which lets the teacher's outputs be computed once)", 'default');
  withDistributedOptions(withRunOptions(withOptimOptions(c, '0.02 for sgd, 0.001 for adamw')))
    .option('--json', 'print progress as JSON events, and the report as the last line')
    .action(async (f: Flags) => {
      const criterion = parseChoice('--criterion', f.criterion, CRITERIA);
      if (criterion === 'taylor') throw new ConfigError('--criterion', 'taylor is not available in compress yet; use l1, l2, fpgm, bn-scale or random');
      const epochs = parseNumberList('--epochs-per-step', f.epochsPerStep);
      await runDistributed(f, async (group) => {
        const quiet = group !== undefined && !group.isMain; // rank 0 speaks for the run
        const report = await compress({
          teacher: f.teacher,
          data: f.data,
          out: f.output,
          ...(f.ratios !== undefined ? { ratios: parseNumberList('--ratios', f.ratios) } : {}),
          ...(f.target !== undefined ? { target: parseNumber('--target', f.target), steps: parsePositiveInt('--steps', f.steps ?? '1') } : {}),
          metric: parseChoice('--metric', f.metric, ['params', 'macs'] as const),
          criterion,
          roundTo: parsePositiveInt('--round-to', f.roundTo),
          mode: parseChoice('--mode', f.mode, ['progressive', 'oneshot'] as const),
          distill: f.distill,
          temperature: parseNumber('--temperature', f.temperature),
          alpha: parseNumber('--alpha', f.alpha),
          teacherMode: parseChoice('--teacher-mode', f.teacherMode, ['original', 'previous'] as const),
          epochsPerStep: epochs.length === 1 ? epochs[0]! : epochs,
          ...parseOptimOptions(f),
          augment: parseChoice('--augment', f.augment, ['default', 'off'] as const),
          ...parseRunOptions(f),
          onEvent: (e) => quiet || console.log(f.json ? JSON.stringify({ event: e.type, ...e }) : describe(e)),
          ...(group ? { parallel: group } : {}),
      });
      if (quiet) return;
      if (f.json) console.log(JSON.stringify(report));
      else console.log(`wrote ${f.output}: student ${report.final.params} params (${(100 * report.final.paramsRatio).toFixed(1)}% of the teacher), test ${(100 * report.final.testAccuracy).toFixed(2)}% (teacher ${(100 * report.teacher.testAccuracy).toFixed(2)}%)`);
      });
    });
}
