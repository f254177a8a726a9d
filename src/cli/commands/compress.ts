import type { Command } from 'commander';
import { compress } from '../../api/index.js';
import { compressSpec } from '../../options/index.js';
import { compressProgress, progressMode } from '../progress.js';
import { addOptions, namingErrors, readOptions } from '../options.js';
import { DISTRIBUTED_FLAGS, runDistributed, withDistributedOptions, type DistributedFlags } from '../distributed-options.js';
import { twoTierHelp } from '../help.js';

/** Adds `whittle compress`: compress() with its options as flags or in a --config YAML file; Ctrl-C stops it cleanly. */
export function registerCompress(p: Command): void {
  const c = p.command('compress')
    .description('progressive channel pruning with knowledge distillation: prune a step at a time, distil after each');
  withDistributedOptions(addOptions(c, compressSpec, { config: true }))
    .option('--json', 'print progress as JSON events, and the report as the last line')
    .action(async (f: DistributedFlags & { json?: boolean }, cmd: Command) => {
      const { given, name } = readOptions(cmd, compressSpec);
      // with --nproc this process only launches workers that run this same command; rank 0 speaks for the run
      await runDistributed(f, async (group) => {
        const quiet = group !== undefined && !group.isMain;
        const progress = compressProgress(progressMode(f.json));
        const stop = new AbortController();
        const onSignal = (): void => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          // only what was given goes on, so that compress() can tell a resume from a run with settings
          const onEvent = quiet ? () => undefined : progress.onEvent;
          const report = await namingErrors(compressSpec, name, () => compress({ ...given, onEvent, signal: stop.signal }, group ? { parallel: group } : {}));
          progress.stop();
          if (quiet) return;
          if (f.json) console.log(JSON.stringify(report));
          else {
            const score = report.score && report.score !== 'accuracy' ? `${report.score} ` : '';
            console.log(`wrote ${String(given['resume'] ?? given['out'])}: student ${report.final.params} params (${(100 * report.final.paramsRatio).toFixed(1)}% of the teacher), test ${score}${(100 * report.final.testAccuracy).toFixed(2)}% (teacher ${(100 * report.teacher.testAccuracy).toFixed(2)}%)`);
          }
        } finally {
          progress.stop();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    });
  twoTierHelp(c, {
    example: 'whittle compress --teacher teachers/vgg-small-fashion-mnist-15.onnx --data fashion-mnist --ratios 0.5,0.5,0.5 -o runs/vgg-12pc',
    groups: { json: 'run', ...Object.fromEntries(DISTRIBUTED_FLAGS.map((f) => [f, 'distributed'])) },
  });
}
