import { ConfigError } from '../errors.js';
import type { SampleStore, Split } from './dataset.js';
import { mixSeed, mulberry32, permutation, STREAM } from './prng.js';

/** How many training images become validation by default: 5,000, or 10% when that is fewer. */
export function defaultValSize(trainCount: number): number {
  return Math.min(5000, Math.floor(trainCount * 0.1));
}

/** Options that choose the splits; all draws are seeded, so the same options give the same rows. */
export interface SplitOptions {
  readonly seed: number;
  /** Validation rows: a count, or a fraction of train when below 1; default defaultValSize(). */
  readonly valSize?: number;
  /** Keep only the first N rows of a seeded shuffle of the (post-validation) training rows. */
  readonly trainSubset?: number;
}

/** Carves train and val from the training store, and wraps the test store whole. Row lists are sorted for locality. */
export function makeSplits(train: SampleStore, test: SampleStore, o: SplitOptions): { train: Split; val: Split; test: Split } {
  const n = train.count;
  let valSize = o.valSize ?? defaultValSize(n);
  if (!Number.isFinite(valSize) || valSize < 0) throw new ConfigError('valSize', `must be a count >= 0 or a fraction in (0, 1), got ${valSize}`);
  if (valSize > 0 && valSize < 1) valSize = Math.round(n * valSize);
  if (!Number.isInteger(valSize)) throw new ConfigError('valSize', `must be a whole number of images, got ${valSize}`);
  if (valSize >= n) throw new ConfigError('valSize', `${valSize} leaves no training images (the training split has ${n})`);
  const perm = permutation(n, mulberry32(mixSeed(o.seed, STREAM.val)));
  const valRows = perm.slice(0, valSize).sort();
  let trainRows = perm.slice(valSize);
  if (o.trainSubset !== undefined) {
    const k = o.trainSubset;
    if (!Number.isInteger(k) || k < 1) throw new ConfigError('trainSubset', `must be a whole number >= 1, got ${k}`);
    if (k > trainRows.length) throw new ConfigError('trainSubset', `${k} is more than the ${trainRows.length} training images left after validation`);
    const order = permutation(trainRows.length, mulberry32(mixSeed(o.seed, STREAM.subset)));
    const picked = new Uint32Array(k);
    for (let i = 0; i < k; i++) picked[i] = trainRows[order[i]!]!;
    trainRows = picked;
  }
  trainRows.sort();
  const all = new Uint32Array(test.count);
  for (let i = 0; i < all.length; i++) all[i] = i;
  return {
    train: { name: 'train', store: train, indices: trainRows },
    val: { name: 'val', store: train, indices: valRows },
    test: { name: 'test', store: test, indices: all },
  };
}
