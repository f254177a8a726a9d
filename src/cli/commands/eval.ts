import type { Command } from 'commander';
import { loadOnnx } from '../../onnx/index.js';
import { evaluate } from '../../api/index.js';
import { dataOption, evaluateSpec, placed } from '../../options/index.js';
import { addOptions, namingErrors, readOptions } from '../options.js';
import { twoTierHelp } from '../help.js';
import { passBar, progressMode } from '../progress.js';
import type { Evaluation } from '../../api/index.js';

const metricText = (m: Record<string, number>): string => Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');

/** What eval prints for a model measured per output (against a teacher, or labels other than classes). */
function taskLines(model: string, data: string, r: Evaluation): string[] {
  const size = `${r.params} params, ${r.macs} MACs${r.latencyMs === null ? '' : `, ${r.latencyMs.toFixed(3)} ms at batch 1 in onnxruntime`}`;
  return [
    `${model} on ${data}: ${r.split} split (${r.count} samples, ${r.precision}), ${size}`,
    ...r.tasks!.map((t) => `  ${t.output} (${t.task}):${r.fidelity ? ` fidelity ${metricText(r.fidelity[t.output]!)}` : ''}${r.metrics?.[t.output] ? `${r.fidelity ? ';' : ''} labels ${metricText(r.metrics[t.output]!)}` : ''}`),
  ];
}

const spec = { data: placed('data', dataOption, { tier: 'basic' }), ...evaluateSpec };

/** Adds `whittle eval MODEL --data SPEC`: evaluate() on an ONNX file. */
export function registerEval(p: Command): void {
  const c = p.command('eval')
    .description("a classifier's test accuracy and loss on a dataset (--split val|train for another split), or with --teacher any model's fidelity to its teacher per output; its params and MACs, and batch-1 latency in onnxruntime")
    .argument('<model>', 'the ONNX model');
  addOptions(c, spec)
    .option('--json', 'print one JSON object as the last line')
    .action(async (model: string, f: { json?: boolean }, cmd: Command) => {
      const { options: { data, ...options }, name } = readOptions(cmd, spec);
      const g = loadOnnx(model);
      const bar = passBar(progressMode(f.json) === 'bars', `${options.split} split`);
      try {
        const r = await namingErrors(spec, name, () => evaluate(g, data, { ...options, onProgress: bar.update })).finally(bar.stop);
        // testAccuracy is the field scripts read; it is only written when the test split was measured
        if (!f.json) for (const w of r.warnings) console.error(`warning: ${w}`);
        if (f.json) console.log(JSON.stringify({ model, data, ...(r.split === 'test' ? { testAccuracy: r.accuracy } : {}), ...r }));
        else if (r.tasks) console.log(taskLines(model, data, r).join('\n'));
        else console.log(`${model} on ${data}: ${r.split} accuracy ${(100 * r.accuracy).toFixed(2)}% (${r.count} images${r.views === 'flip' ? ', each with its mirror image' : ''}, ${r.precision}), loss ${r.loss.toFixed(4)}, ${r.params} params, ${r.macs} MACs${r.latencyMs === null ? '' : `, ${r.latencyMs.toFixed(3)} ms at batch 1 in onnxruntime`}`);
      } finally {
        g.dispose();
      }
    });
  twoTierHelp(c, { example: 'whittle eval student.onnx --data fashion-mnist', groups: { json: 'run' } });
}
