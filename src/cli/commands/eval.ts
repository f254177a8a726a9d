import type { Command } from 'commander';
import { loadOnnx } from '../../onnx/index.js';
import { evaluateFile } from '../../pipeline/evaluate-model.js';
import { parseRunOptions, withRunOptions, type RunFlags } from '../run-options.js';

type Flags = RunFlags & { data: string; json?: boolean };

export function registerEval(p: Command): void {
  const c = p.command('eval')
    .description("a classifier's test accuracy and loss on a dataset, its params and MACs, and batch-1 latency in onnxruntime")
    .argument('<model>', 'the ONNX model')
    .requiredOption('--data <spec>', 'dataset (mnist, fashion-mnist, idx:DIR, cifar:DIR, npy:DIR, folder:DIR)');
  withRunOptions(c)
    .option('--json', 'print one JSON object as the last line')
    .action(async (model: string, f: Flags) => {
      const g = loadOnnx(model);
      try {
        const r = await evaluateFile(g, f.data, parseRunOptions(f));
        if (f.json) console.log(JSON.stringify({ model, data: f.data, testAccuracy: r.accuracy, ...r }));
        else console.log(`${model} on ${f.data}: test accuracy ${(100 * r.accuracy).toFixed(2)}% (${r.count} images), loss ${r.loss.toFixed(4)}, ${r.params} params, ${r.macs} MACs, ${r.latencyMs.toFixed(3)} ms at batch 1 in onnxruntime`);
      } finally {
        g.dispose();
      }
    });
}
