import type { Dataset } from '../data/index.js';

/** What `whittle data inspect --json` prints as its last line. */
export interface DatasetReport {
  name: string;
  spec: string;
  classes: string[];
  counts: { train: number; val: number; test: number };
  shape: [number, number, number];
  dtype: string;
  mean: number[];
  std: number[];
  statsSource: Dataset['statsSource'];
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

/** Summarises an open dataset: classes, split sizes, image shape, normalisation, per-class counts. */
export function describeDataset(ds: Dataset): DatasetReport {
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
