import type { Command } from 'commander';
import { cudaDeviceCount } from '../tensor/index.js';
import { ConfigError } from '../errors.js';
import { parseChoice, parseDevice, parseNumber, parsePositiveInt, parsePositiveNumber } from './parse.js';

// The flags every command that trains shares, declared and parsed in one place so that they cannot drift apart.

export type RunFlags = { seed: string; threads: string; device: string; trainSubset?: string; valSize?: string; imageSize?: string };
export type RunOptions = { seed: number; threads: number; device: string; trainSubset?: number; valSize?: number; imageSize?: number };

export function withRunOptions(c: Command): Command {
  return c
    .option('--seed <n>', 'random seed', '0')
    .option('--threads <n>', 'intra-op threads', '2')
    .option('--device <d>', 'cpu, cuda or cuda:N', 'cpu')
    .option('--train-subset <n>', 'train on the first N images of a seeded shuffle')
    .option('--val-size <n>', 'validation images carved from train (default min(5000, 10%))')
    .option('--image-size <n>', 'side that folder: images are resized to (default 32)');
}

export function parseRunOptions(f: RunFlags): RunOptions {
  return {
    seed: parsePositiveInt('--seed', f.seed, 0),
    threads: parsePositiveInt('--threads', f.threads),
    device: parseDevice('--device', f.device, cudaDeviceCount),
    ...(f.trainSubset === undefined ? {} : { trainSubset: parsePositiveInt('--train-subset', f.trainSubset) }),
    ...(f.valSize === undefined ? {} : { valSize: parsePositiveInt('--val-size', f.valSize, 0) }),
    ...(f.imageSize === undefined ? {} : { imageSize: parsePositiveInt('--image-size', f.imageSize) }),
  };
}

export type OptimFlags = { optimizer: string; lr?: string; batchSize: string; weightDecay: string };
export type OptimOptions = { optimizer: 'sgd' | 'adamw'; lr?: number; batchSize: number; weightDecay: number };

export function withOptimOptions(c: Command, lrDefaults: string): Command {
  return c
    .option('--optimizer <name>', 'sgd or adamw', 'sgd')
    .option('--lr <x>', `peak learning rate (default ${lrDefaults})`)
    .option('--batch-size <n>', 'batch size', '128')
    .option('--weight-decay <x>', 'weight decay', '5e-4');
}

export function parseOptimOptions(f: OptimFlags): OptimOptions {
  const weightDecay = parseNumber('--weight-decay', f.weightDecay);
  if (weightDecay < 0) throw new ConfigError('--weight-decay', `expected a number >= 0, got '${f.weightDecay}'`);
  return {
    optimizer: parseChoice('--optimizer', f.optimizer, ['sgd', 'adamw'] as const),
    batchSize: parsePositiveInt('--batch-size', f.batchSize),
    weightDecay,
    ...(f.lr === undefined ? {} : { lr: parsePositiveNumber('--lr', f.lr) }),
  };
}
