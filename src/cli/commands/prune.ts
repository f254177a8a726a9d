import type { Command } from 'commander';
import { loadOnnx, saveOnnx } from '../../onnx/index.js';
import { CRITERIA, prune, type Batch } from '../../prune/index.js';
import { BatchLoader, openDataset } from '../../data/index.js';
import { batchOnDevice } from '../../distill/index.js';
import { checkModelFits } from '../../pipeline/evaluate-model.js';
import { ConfigError } from '../../errors.js';
import { parseChoice, parsePositiveInt } from '../parse.js';
import { checkWritableFile } from '../output-path.js';

type Flags = {
  output: string; ratio: string; metric: string; criterion: string; global?: boolean; uniform?: boolean; roundTo: string;
  minChannels: string; ignore?: string; reduction: string; data?: string; batches: string; batchSize: string; seed: string; json?: boolean;
};

export function registerPrune(p: Command): void {
  p.command('prune')
    .description('remove whole channels so the model has exactly RATIO of its size (dependency-aware; a dense, smaller model)')
    .argument('<model>', 'the ONNX model to prune')
    .requiredOption('-o, --output <file>', 'the pruned ONNX model to write')
    .requiredOption('--ratio <r>', 'target size as a fraction of the model, in (0, 1]')
    .option('--metric <m>', 'params or macs', 'params')
    .option('--criterion <c>', `channel importance: ${CRITERIA.join(', ')}`, 'l1')
    .option('--global', 'rank channels across all groups (the default)')
    .option('--uniform', 'remove the same fraction from every group instead')
    .option('--round-to <n>', 'keep channel counts that are multiples of N', '1')
    .option('--min-channels <n>', 'the fewest channels a group keeps', '1')
    .option('--ignore <names>', 'comma-separated node names to leave untouched')
    .option('--reduction <r>', 'how scores combine over a group: sum, mean or max', 'sum')
    .option('--data <spec>', 'dataset for --criterion taylor')
    .option('--batches <n>', 'batches of data for taylor', '8')
    .option('--batch-size <n>', 'batch size for taylor', '64')
    .option('--seed <n>', 'seed for random and the data', '0')
    .option('--json', 'print one JSON object as the last line')
    .action(async (model: string, f: Flags) => {
      const out = checkWritableFile('--output', f.output);
      const ratio = Number(f.ratio);
      if (!(ratio > 0 && ratio <= 1)) throw new ConfigError('--ratio', `must be in (0, 1], got '${f.ratio}'`);
      if (f.global && f.uniform) throw new ConfigError('--uniform', 'cannot be combined with --global');
      const criterion = parseChoice('--criterion', f.criterion, CRITERIA);
      if (criterion === 'taylor' && !f.data) throw new ConfigError('--criterion', 'taylor needs data: add --data SPEC (e.g. --data mnist)');
      const seed = parsePositiveInt('--seed', f.seed, 0);
      const g = loadOnnx(model);
      try {
        let batches: (() => Iterable<Batch>) | undefined;
        if (criterion === 'taylor') {
          const ds = await openDataset(f.data!, { seed });
          checkModelFits(g, ds);
          const loader = BatchLoader.of(ds, 'train', { batchSize: parsePositiveInt('--batch-size', f.batchSize), seed, augment: null });
          const n = Math.min(parsePositiveInt('--batches', f.batches), loader.batchesPerEpoch);
          batches = function* () {
            for (let i = 0; i < n; i++) yield batchOnDevice(loader.batchAt(0, i), 'cpu');
          };
        }
        const r = prune(g, {
          ratio,
          metric: parseChoice('--metric', f.metric, ['params', 'macs'] as const),
          criterion,
          global: !f.uniform,
          roundTo: parsePositiveInt('--round-to', f.roundTo),
          minChannels: parsePositiveInt('--min-channels', f.minChannels),
          ignore: f.ignore ? f.ignore.split(',').map((s) => s.trim()).filter(Boolean) : [],
          reduction: parseChoice('--reduction', f.reduction, ['sum', 'mean', 'max'] as const),
          seed,
          ...(batches ? { batches } : {}),
        });
        try {
          await saveOnnx(r.graph, out);
        } finally {
          r.graph.dispose();
        }
        const summary = { input: model, output: out, metric: r.metric, criterion: r.criterion, targetRatio: ratio, achievedRatio: r.achievedRatio, params: r.params, macs: r.macs, groups: r.groups, untouched: r.untouched };
        if (f.json) {
          console.log(JSON.stringify(summary));
        } else {
          console.log(`wrote ${out}: ${r.metric} ${r.metric === 'params' ? `${r.params.before} -> ${r.params.after}` : `${r.macs.before} -> ${r.macs.after}`} (ratio ${r.achievedRatio.toFixed(4)}, target ${ratio})`);
          for (const grp of r.groups) console.log(`  ${grp.name.padEnd(28)} ${String(grp.kept).padStart(5)} / ${grp.total} channels`);
          for (const u of r.untouched) console.log(`  untouched ${u.node}: ${u.reason}`);
        }
      } finally {
        g.dispose();
      }
    });
}
