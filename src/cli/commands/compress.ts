import type { Command } from 'commander';
import { compress, type CompressEvent } from '../../api/index.js';
import { compressSpec } from '../../options/index.js';
import { addOptions, namingErrors, readOptions } from '../options.js';

function describe(e: CompressEvent): string {
  switch (e.type) {
    case 'teacher': return `teacher: ${e.params} params, ${e.macs} MACs, val ${(100 * e.valAccuracy).toFixed(2)}%, test ${(100 * e.testAccuracy).toFixed(2)}%`;
    case 'step-start': return `step ${e.step}/${e.of}: prune to ${e.targetRatio.toFixed(4)}`;
    case 'pruned': return `  pruned: ratio ${e.achievedRatio.toFixed(4)}, ${e.params} params, ${e.macs} MACs`;
    case 'epoch-end': return `  epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, val ${(100 * e.valAccuracy).toFixed(2)}%, ${e.imagesPerSec.toFixed(0)} images/s`;
    case 'step-end': return `  step ${e.step}: val ${(100 * e.report.valAccuracy).toFixed(2)}%, test ${(100 * e.report.testAccuracy).toFixed(2)}%, ${e.report.seconds.toFixed(1)} s${e.report.stopped ? ` (${e.report.stopped})` : ''}`;
  }
}

/** Adds `whittle compress`: compress() with its options as flags or in a --config YAML file. */
export function registerCompress(p: Command): void {
  const c = p.command('compress')
    .description('progressive channel pruning with knowledge distillation: prune a step at a time, distil after each');
  addOptions(c, compressSpec, { config: true })
    .option('--json', 'print progress as JSON events, and the report as the last line')
    .action(async (f: { json?: boolean }, cmd: Command) => {
      const { options, name } = readOptions(cmd, compressSpec);
      const report = await namingErrors(compressSpec, name, () => compress({
        ...options,
        onEvent: (e) => console.log(f.json ? JSON.stringify({ event: e.type, ...e }) : describe(e)),
      }));
      if (f.json) console.log(JSON.stringify(report));
      else console.log(`wrote ${options.out}: student ${report.final.params} params (${(100 * report.final.paramsRatio).toFixed(1)}% of the teacher), test ${(100 * report.final.testAccuracy).toFixed(2)}% (teacher ${(100 * report.teacher.testAccuracy).toFixed(2)}%)`);
    });
}
