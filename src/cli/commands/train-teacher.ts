import type { Command } from 'commander';
import { trainTeacher } from '../../pipeline/train-teacher.js';
import { saveOnnx } from '../../onnx/index.js';
import { ZOO } from '../../zoo/index.js';
import { cudaDeviceCount } from '../../tensor/index.js';
import { ConfigError } from '../../errors.js';
import { parseChoice, parseDevice, parsePositiveInt } from '../parse.js';
import { checkWritableFile } from '../output-path.js';

type Flags = {
  arch: string; data: string; epochs: string; batchSize: string; lr?: string; optimizer: string; weightDecay: string;
  seed: string; threads: string; device: string; trainSubset?: string; valSize?: string; output: string; json?: boolean;
};

function positiveNumber(flag: string, v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new ConfigError(flag, `expected a positive number, got '${v}'`);
  return n;
}

export function registerTrainTeacher(p: Command): void {
  p.command('train-teacher')
    .description('train a zoo architecture on a dataset and write it as ONNX (a teacher for compress)')
    .option('--arch <name>', `architecture: ${ZOO.join(', ')}`, 'vgg-small')
    .option('--data <spec>', 'dataset (mnist, fashion-mnist, idx:DIR, cifar:DIR, npy:DIR, folder:DIR)', 'mnist')
    .option('--epochs <n>', 'training epochs', '10')
    .option('--batch-size <n>', 'batch size', '128')
    .option('--lr <x>', 'peak learning rate (default 0.05 for sgd, 0.002 for adamw)')
    .option('--optimizer <name>', 'sgd or adamw', 'sgd')
    .option('--weight-decay <x>', 'weight decay', '5e-4')
    .option('--seed <n>', 'random seed', '0')
    .option('--threads <n>', 'intra-op threads', '2')
    .option('--device <d>', 'cpu, cuda or cuda:N', 'cpu')
    .option('--train-subset <n>', 'train on the first N images of a seeded shuffle')
    .option('--val-size <n>', 'validation images carved from train (default min(5000, 10%))')
    .requiredOption('-o, --output <file>', 'the ONNX file to write')
    .option('--json', 'print one JSON object as the last line')
    .action(async (f: Flags) => {
      const out = checkWritableFile('--output', f.output);
      const wd = Number(f.weightDecay);
      if (!(wd >= 0)) throw new ConfigError('--weight-decay', `expected a number >= 0, got '${f.weightDecay}'`);
      const optimizer = parseChoice('--optimizer', f.optimizer, ['sgd', 'adamw'] as const);
      const r = await trainTeacher({
        arch: parseChoice('--arch', f.arch, ZOO),
        data: f.data,
        epochs: parsePositiveInt('--epochs', f.epochs),
        batchSize: parsePositiveInt('--batch-size', f.batchSize),
        optimizer,
        weightDecay: wd,
        seed: parsePositiveInt('--seed', f.seed, 0),
        threads: parsePositiveInt('--threads', f.threads),
        device: parseDevice('--device', f.device, cudaDeviceCount),
        ...(f.lr === undefined ? {} : { lr: positiveNumber('--lr', f.lr) }),
        ...(f.trainSubset === undefined ? {} : { trainSubset: parsePositiveInt('--train-subset', f.trainSubset) }),
        ...(f.valSize === undefined ? {} : { valSize: parsePositiveInt('--val-size', f.valSize, 0) }),
        onEpoch: (e) => {
          if (!f.json) console.log(`epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, val accuracy ${(100 * e.valAccuracy).toFixed(2)}%, ${e.imagesPerSec.toFixed(0)} images/s`);
        },
      });
      try {
        await saveOnnx(r.graph, out);
        const summary = {
          output: out, arch: f.arch, data: f.data, params: r.graph.parameterCount(), bestEpoch: r.fit.bestEpoch,
          valAccuracy: r.fit.bestValAccuracy, testAccuracy: r.testAccuracy, testLoss: r.testLoss, epochs: r.fit.epochs,
          ...(r.fit.stopped ? { stopped: r.fit.stopped } : {}),
        };
        if (r.fit.stopped) console.error(`whittle: ${r.fit.stopped}`);
        if (f.json) console.log(JSON.stringify(summary));
        else console.log(`wrote ${out}: ${f.arch}, ${summary.params} parameters, val accuracy ${(100 * summary.valAccuracy).toFixed(2)}% (epoch ${summary.bestEpoch}), test accuracy ${(100 * r.testAccuracy).toFixed(2)}%`);
      } finally {
        r.graph.dispose();
      }
    });
}
