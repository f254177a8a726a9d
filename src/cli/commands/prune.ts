import type { Command } from 'commander';
import { loadOnnx, saveOnnx } from '../../onnx/index.js';
import { prune } from '../../api/index.js';
import { pruneSpec } from '../../options/index.js';
import { checkWritableFile } from '../../util/writable-file.js';
import { addOptions, namingErrors, readOptions } from '../options.js';
import { twoTierHelp } from '../help.js';

/** Adds `whittle prune MODEL -o OUT --ratio R`: prune() on an ONNX file, written back as ONNX. */
/** ` (x 16 dims)` after a head group's kept / total heads, ` (x 4 heads)` after head dims; nothing for other kinds. */
function unitNote(grp: { kind: string; unitSize: number }): string {
  if (grp.kind === 'heads') return ` (x ${grp.unitSize} dims)`;
  if (grp.kind === 'head-dims') return ` (x ${grp.unitSize} heads)`;
  return '';
}

export function registerPrune(p: Command): void {
  const c = p.command('prune')
    .description('remove whole channels so the model has exactly RATIO of its size, or the widths of another model (dependency-aware; a dense, smaller model)')
    .argument('<model>', 'the ONNX model to prune')
    .requiredOption('-o, --output <file>', 'the pruned ONNX model to write');
  addOptions(c, pruneSpec, { config: true })
    .option('--json', 'print one JSON object as the last line')
    .action(async (model: string, f: { output: string; json?: boolean }, cmd: Command) => {
      const out = checkWritableFile('--output', f.output);
      const { options, name } = readOptions(cmd, pruneSpec);
      const g = loadOnnx(model);
      try {
        const r = await namingErrors(pruneSpec, name, () => prune(g, options));
        try {
          await saveOnnx(r.model, out);
        } finally {
          r.model.dispose();
        }
        const summary = { input: model, output: out, metric: r.metric, criterion: r.criterion, ...(options.ratio !== undefined ? { targetRatio: options.ratio } : { widthsOf: options.widthsOf }), achievedRatio: r.achievedRatio, ...(r.latency ? { latency: r.latency } : {}), params: r.params, macs: r.macs, groups: r.groups, untouched: r.untouched, untied: r.untied };
        if (f.json) {
          console.log(JSON.stringify(summary));
        } else {
          if (r.latency) console.log(`wrote ${out}: latency ${r.latency.beforeMs.toFixed(3)} -> ${r.latency.measuredMs.toFixed(3)} ms on ${r.latency.runtime} (asked ${r.latency.requestedMs.toFixed(3)} ms, ratio ${r.achievedRatio.toFixed(4)})`);
          else console.log(`wrote ${out}: ${r.metric} ${r.metric === 'params' ? `${r.params.before} -> ${r.params.after}` : `${r.macs.before} -> ${r.macs.after}`} (ratio ${r.achievedRatio.toFixed(4)}, ${options.ratio !== undefined ? `target ${options.ratio}` : `the widths of ${String(options.widthsOf)}`})`);
          for (const grp of r.groups) console.log(`  ${grp.name.padEnd(28)} ${grp.kind} ${grp.kept} / ${grp.total}${unitNote(grp)}`);
          for (const u of r.untouched) console.log(`  untouched ${u.node}: ${u.reason}`);
          if (r.untied.length) console.log(`  untied ${r.untied.length} initializer${r.untied.length > 1 ? 's' : ''} that layers with different channels shared (the exporter stored equal tensors once; each layer now has its own): ${r.untied.slice(0, 3).map((n) => `'${n}'`).join(', ')}${r.untied.length > 3 ? ', ...' : ''}`);
        }
      } finally {
        g.dispose();
      }
    });
  twoTierHelp(c, { example: 'whittle prune teacher.onnx --ratio 0.25 -o pruned.onnx', groups: { output: 'run', json: 'run' }, basic: ['output'] });
}
