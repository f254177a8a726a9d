import type { Command } from 'commander';
import { resolve } from 'node:path';
import { ConfigError } from '../../errors.js';
import { openDataset, writeContactSheet, type Dataset, type OpenDatasetOptions } from '../../data/index.js';
import { parsePositiveInt } from '../parse.js';

type InspectFlags = { json?: boolean; sheet?: string; imageSize?: string; valSize?: string; trainSubset?: string; seed?: string; strict?: boolean };

/** What `whittle data inspect --json` prints as its last line. */
export interface InspectReport {
  name: string;
  spec: string;
  classes: string[];
  counts: { train: number; val: number; test: number };
  shape: [number, number, number];
  dtype: string;
  mean: number[];
  std: number[];
  statsSource: 'known' | 'computed';
  augment: { pad: number; flip: boolean } | null;
  perClass: { train: number[]; test: number[] };
  skipped: number;
  warnings: string[];
  sheet?: string;
}

function countPerClass(ds: Dataset, split: 'train' | 'test'): number[] {
  const counts = new Array<number>(ds.classes.length).fill(0);
  const s = ds[split];
  for (const r of s.indices) counts[s.store.labels[r]!]!++;
  return counts;
}

/** Summarises a dataset for `data inspect`. */
export function inspectReport(ds: Dataset): InspectReport {
  return {
    name: ds.name,
    spec: ds.spec,
    classes: ds.classes,
    counts: { train: ds.train.indices.length, val: ds.val.indices.length, test: ds.test.indices.length },
    shape: ds.shape,
    dtype: ds.pixelType,
    mean: ds.mean,
    std: ds.std,
    statsSource: ds.statsSource,
    augment: ds.defaultAugment,
    perClass: { train: countPerClass(ds, 'train'), test: countPerClass(ds, 'test') },
    skipped: ds.skipped,
    warnings: ds.warnings,
  };
}

function parseValSize(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (n >= 1 && !Number.isInteger(n))) {
    throw new ConfigError('--val-size', `expected a count >= 0 or a fraction in (0, 1), got '${v}'`);
  }
  return n;
}

function openOptions(f: InspectFlags): OpenDatasetOptions {
  return {
    ...(f.imageSize === undefined ? {} : { imageSize: parsePositiveInt('--image-size', f.imageSize) }),
    ...(f.valSize === undefined ? {} : { valSize: parseValSize(f.valSize) }),
    ...(f.trainSubset === undefined ? {} : { trainSubset: parsePositiveInt('--train-subset', f.trainSubset) }),
    ...(f.seed === undefined ? {} : { seed: parsePositiveInt('--seed', f.seed, 0) }),
    ...(f.strict ? { strict: true } : {}),
  };
}

const fmt = (xs: number[]): string => `[${xs.map((v) => v.toFixed(4)).join(', ')}]`;

function printText(r: InspectReport): void {
  console.log(`dataset ${r.name} (${r.spec})`);
  console.log(`  images   ${r.shape.join('x')} ${r.dtype}`);
  console.log(`  splits   train ${r.counts.train}, val ${r.counts.val}, test ${r.counts.test}`);
  console.log(`  mean     ${fmt(r.mean)}  std ${fmt(r.std)} (${r.statsSource})`);
  console.log(`  augment  ${r.augment ? `random crop (pad ${r.augment.pad})${r.augment.flip ? ' + horizontal flip' : ''}` : 'none'} by default`);
  console.log(`  classes  ${r.classes.length}`);
  const width = Math.max(...r.classes.map((c) => c.length));
  r.classes.forEach((c, i) => console.log(`    ${String(i).padStart(3)} ${c.padEnd(width)}  train ${r.perClass.train[i]}  test ${r.perClass.test[i]}`));
  for (const w of r.warnings) console.log(`  warning: ${w}`);
  if (r.sheet) console.log(`  sheet    ${r.sheet}`);
}

/** Adds `whittle data inspect SPEC`. */
export function registerData(p: Command): void {
  const data = p.command('data').description('datasets: mnist, fashion-mnist, idx:DIR, cifar:DIR, npy:DIR, folder:DIR');
  data.command('inspect')
    .description('show classes, split sizes, image shape and mean/std of a dataset; optionally a PNG contact sheet')
    .argument('<spec>', 'mnist, fashion-mnist, idx:DIR, cifar:DIR, npy:DIR or folder:DIR')
    .option('--json', 'print one JSON object as the last line')
    .option('--sheet <file.png>', 'write a PNG of a few training images per class')
    .option('--image-size <n>', 'side that folder images are resized to (default 32)')
    .option('--val-size <n>', 'validation images carved from train: a count or a fraction (default min(5000, 10%))')
    .option('--train-subset <n>', 'keep the first N of a seeded shuffle of train')
    .option('--seed <n>', 'seed for the splits (default 0)')
    .option('--strict', 'fail on an unreadable image instead of skipping it')
    .action(async (spec: string, f: InspectFlags) => {
      const ds = await openDataset(spec, openOptions(f));
      const r = inspectReport(ds);
      if (f.sheet !== undefined) {
        const path = resolve(f.sheet);
        await writeContactSheet(ds, path);
        r.sheet = path;
      }
      if (f.json) console.log(JSON.stringify(r));
      else printText(r);
    });
}
