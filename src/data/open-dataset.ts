import { ConfigError } from '../errors.js';
import { BUILTINS, readBuiltin } from './builtin.js';
import { readCifarDir } from './cifar.js';
import { formatDataSpec, parseDataSpec, type DataSpec } from './data-spec.js';
import { pixelTypeOf, type AugmentOptions, type Dataset, type RawDataset } from './dataset.js';
import { readIdxDir } from './idx-dataset.js';
import { readImageFolder } from './image-folder.js';
import { readNpyDir } from './npy-dataset.js';
import { toSharedStore } from './shared-store.js';
import { makeSplits } from './splits.js';
import { channelStats } from './stats.js';

/** Options of openDataset; each one matches a CLI flag (--train-subset, --val-size, --seed, --image-size, --strict). */
export interface OpenDatasetOptions {
  readonly trainSubset?: number;
  readonly valSize?: number;
  readonly seed?: number;
  /** Side of the square images a folder dataset is resized to (default 32); other formats keep their size. */
  readonly imageSize?: number;
  /** Folder datasets: fail on an unreadable image instead of skipping it. */
  readonly strict?: boolean;
  /** Hold the images in SharedArrayBuffers, so a WorkerPool can read them without a copy. */
  readonly sharedMemory?: boolean;
}

/** Seed used when none is given. */
export const DEFAULT_SEED = 0;
/** Image side for folder datasets when none is given. */
export const DEFAULT_IMAGE_SIZE = 32;

function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ConfigError('seed', `must be an integer in [0, 2^32), got ${seed}`);
  return seed;
}

async function readRaw(spec: DataSpec, o: OpenDatasetOptions, seed: number): Promise<RawDataset> {
  switch (spec.kind) {
    case 'builtin':
      return readBuiltin(BUILTINS[spec.name]!);
    case 'idx':
      return readIdxDir(spec.dir);
    case 'cifar':
      return readCifarDir(spec.dir);
    case 'npy':
      return readNpyDir(spec.dir);
    case 'folder': {
      const size = o.imageSize ?? DEFAULT_IMAGE_SIZE;
      if (!Number.isInteger(size) || size < 1 || size > 4096) throw new ConfigError('imageSize', `must be an integer in [1, 4096], got ${size}`);
      return readImageFolder(spec.dir, { imageSize: size, seed, strict: o.strict ?? false });
    }
  }
}

function defaultAugment(spec: DataSpec, channels: number, height: number): AugmentOptions | null {
  if (spec.kind === 'builtin') return BUILTINS[spec.name]!.defaultAugment;
  // IDX directories are digit-like (MNIST, EMNIST, KMNIST): a flip changes the class. Grey .npy data: unknown, so off.
  if (spec.kind === 'idx' || channels === 1) return null;
  return { pad: Math.max(1, Math.round(height / 8)), flip: true };
}

/** Reads a dataset named by a spec (or a parsed DataSpec) and makes its train/val/test splits and normalisation. */
export async function openDataset(spec: string | DataSpec, options: OpenDatasetOptions = {}): Promise<Dataset> {
  const s = typeof spec === 'string' ? parseDataSpec(spec) : spec;
  const seed = checkSeed(options.seed ?? DEFAULT_SEED);
  const read = await readRaw(s, options, seed);
  const raw = options.sharedMemory ? { ...read, train: toSharedStore(read.train), test: toSharedStore(read.test) } : read;
  const splitOptions = {
    seed,
    ...(options.valSize === undefined ? {} : { valSize: options.valSize }),
    ...(options.trainSubset === undefined ? {} : { trainSubset: options.trainSubset }),
  };
  const splits = makeSplits(raw.train, raw.test, splitOptions);
  const builtin = s.kind === 'builtin' ? BUILTINS[s.name]! : undefined;
  // Statistics cover the whole training file (train + val), so they do not move with --val-size or --train-subset.
  const stats = builtin ? { mean: builtin.mean, std: builtin.std } : channelStats(raw.train);
  const [C, H] = raw.train.shape;
  return {
    name: builtin ? builtin.name : s.kind,
    spec: formatDataSpec(s),
    classes: raw.classes,
    shape: raw.train.shape,
    pixelType: pixelTypeOf(raw.train),
    ...splits,
    mean: stats.mean,
    std: stats.std,
    statsSource: builtin ? 'known' : 'computed',
    defaultAugment: defaultAugment(s, C, H),
    seed,
    skipped: raw.skipped,
    warnings: raw.warnings,
  };
}
