import type { Command } from 'commander';
import { loadOnnx } from '../../onnx/index.js';
import { evaluateFile } from '../../pipeline/evaluate-model.js';
import { cudaDeviceCount } from '../../tensor/index.js';
import { parseDevice, parsePositiveInt } from '../parse.js';

type Flags = { data: string; seed: string; threads: string; device: string; trainSubset?: string; json?: boolean };

export function registerEval(p: Command): void {
  p.command('eval')
    .description("a classifier's test accuracy and loss on a dataset, its params and MACs, and batch-1 latency in onnxruntime")
    .argument('<model>', 'the ONNX model')
    .requiredOption('--data <spec>', 'dataset (mnist, fashion-mnist, idx:DIR, cifar:DIR, npy:DIR, folder:DIR)')
    .option('--seed <n>', 'random seed (for the splits)', '0')
    .option('--threads <n>', 'intra-op threads', '2')
    .option('--device <d>', 'cpu, cuda or cuda:N', 'cpu')
    .option('--train-subset <n>', 'use the first N training images of a seeded shuffle (affects only the splits)')
    .option('--json', 'print one JSON object as the last line')
    .action(async (model: string, f: Flags) => {
      const g = loadOnnx(model);
      try {
        const r = await evaluateFile(g, f.data, {
          seed: parsePositiveInt('--seed', f.seed, 0),
          threads: parsePositiveInt('--threads', f.threads),
          device: parseDevice('--device', f.device, cudaDeviceCount),
          ...(f.trainSubset === undefined ? {} : { trainSubset: parsePositiveInt('--train-subset', f.trainSubset) }),
        });
        if (f.json) console.log(JSON.stringify({ model, data: f.data, testAccuracy: r.accuracy, ...r }));
        else console.log(`${model} on ${f.data}: test accuracy ${(100 * r.accuracy).toFixed(2)}% (${r.count} images), loss ${r.loss.toFixed(4)}, ${r.params} params, ${r.macs} MACs, ${r.latencyMs.toFixed(3)} ms at batch 1 in onnxruntime`);
      } finally {
        g.dispose();
      }
    });
}
