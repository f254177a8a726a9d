import type { Command } from 'commander';
import { runDemo } from '../../demo/train-demo.js';
import { ARCHS } from '../../nn/index.js';
import { cudaDeviceCount } from '../../tensor/index.js';
import { ConfigError } from '../../errors.js';
import { parseChoice, parseDevice, parsePositiveInt } from '../parse.js';

type Flags = { arch: string; data: string; epochs: string; batchSize: string; lr: string; threads: string; seed: string; device: string; trainSubset?: string; json?: boolean };

export function registerDemo(p: Command): void {
  p.command('demo')
    .description("the engine's demo: train a zoo model on a dataset and print its test accuracy")
    .option('--arch <name>', `model: ${ARCHS.join(', ')}`, 'lenet5')
    .option('--data <spec>', 'dataset (mnist, fashion-mnist, idx:DIR, cifar:DIR, npy:DIR, folder:DIR)', 'mnist')
    .option('--epochs <n>', 'training epochs', '1')
    .option('--batch-size <n>', 'batch size', '128')
    .option('--lr <x>', 'peak learning rate (cosine schedule)', '0.05')
    .option('--threads <n>', 'intra-op threads', '2')
    .option('--seed <n>', 'random seed', '0')
    .option('--device <d>', 'cpu, cuda or cuda:N', 'cpu')
    .option('--train-subset <n>', 'train on the first N images of a seeded shuffle')
    .option('--json', 'print one JSON object as the last line')
    .action(async (f: Flags) => {
      const lr = Number(f.lr);
      if (!(lr > 0)) throw new ConfigError('--lr', `expected a positive number, got '${f.lr}'`);
      const r = await runDemo({
        arch: parseChoice('--arch', f.arch, ARCHS),
        data: f.data,
        epochs: parsePositiveInt('--epochs', f.epochs),
        batchSize: parsePositiveInt('--batch-size', f.batchSize),
        lr,
        threads: parsePositiveInt('--threads', f.threads),
        seed: parsePositiveInt('--seed', f.seed, 0),
        device: parseDevice('--device', f.device, cudaDeviceCount),
        ...(f.trainSubset === undefined ? {} : { trainSubset: parsePositiveInt('--train-subset', f.trainSubset) }),
        onLine: (line) => console.log(line),
      });
      if (f.json) console.log(JSON.stringify(r));
    });
}
