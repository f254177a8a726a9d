import { ConfigError } from '../errors.js';
import { BUILTINS, readBuiltin } from './builtin.js';
import { convertChannels, isColorChannels, type ColorChannels } from './channels.js';
import { readCifarDir } from './cifar.js';
import { formatDataSpec, parseDataSpec, type DataSpec } from './data-spec.js';
import { IMAGE_INPUT, isTensorStore, pixelTypeOf, type AugmentOptions, type Dataset, type ImageStore, type LabelInfo, type RawDataset, type TensorStore } from './dataset.js';
import { readIdxDir } from './idx-dataset.js';
import { readImageFolder } from './image-folder.js';
import { readNpyDir } from './npy-dataset.js';
import { isTensorDir, readTensorDir } from './npy-tensors.js';
import { resizeStore } from './resize.js';
import { isSegmentationFolder, readSegmentationFolder } from './segmentation-folder.js';
import { toSharedStore } from './shared-store.js';
import { makeSplits } from './splits.js';
import { channelStats } from './stats.js';

/** Options of openDataset; each one matches a CLI flag (--train-subset, --val-size, --seed, --image-size, --strict). */
export interface OpenDatasetOptions {
  readonly trainSubset?: number;
  readonly valSize?: number;
  readonly seed?: number;
  /**
   * Side of the square images: a folder dataset's are decoded at this size (default 32); other formats keep their size
   * unless it is given, and are then resized with PIL's bilinear filter (as torchvision's Resize on PIL images).
   */
  readonly imageSize?: number;
  /** Folder datasets: fail on an unreadable image instead of skipping it. */
  readonly strict?: boolean;
  /** Convert the images to 1 (grey) or 3 (RGB) channels; a ConfigError for other values or images of another count. */
  readonly channels?: number;
  /**
   * Convert the images to this many channels when they have the other of 1 and 3 (how a model's input is met when
   * `channels` is not given); images with another count are left as they are.
   */
  readonly fitChannels?: ColorChannels;
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

function checkImageSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > 4096) throw new ConfigError('imageSize', `must be an integer in [1, 4096], got ${size}`);
  return size;
}

async function readRaw(spec: DataSpec, o: OpenDatasetOptions, seed: number): Promise<RawDataset | RawDataset<TensorStore>> {
  switch (spec.kind) {
    case 'builtin':
      return readBuiltin(BUILTINS[spec.name]!);
    case 'idx':
      return readIdxDir(spec.dir);
    case 'cifar':
      return readCifarDir(spec.dir);
    case 'npy':
      return isTensorDir(spec.dir) ? readTensorDir(spec.dir, seed) : readNpyDir(spec.dir);
    case 'folder': {
      const folder = { imageSize: checkImageSize(o.imageSize ?? DEFAULT_IMAGE_SIZE), seed, strict: o.strict ?? false };
      return isSegmentationFolder(spec.dir) ? readSegmentationFolder(spec.dir, folder) : readImageFolder(spec.dir, folder);
    }
  }
}

/** A non-folder dataset's images at imageSize x imageSize when it is given (the user's choice, so no warning). */
function resized(raw: RawDataset, spec: DataSpec, o: OpenDatasetOptions): RawDataset {
  if (spec.kind === 'folder' || o.imageSize === undefined) return raw;
  const size = checkImageSize(o.imageSize);
  const [, H, W] = raw.train.shape;
  if (H === size && W === size) return raw;
  return { ...raw, train: resizeStore(raw.train, size, size), test: resizeStore(raw.test, size, size) };
}

function defaultAugment(spec: DataSpec, channels: number, height: number): AugmentOptions | null {
  if (spec.kind === 'builtin') return BUILTINS[spec.name]!.defaultAugment;
  // IDX directories are digit-like (MNIST, EMNIST, KMNIST): a flip changes the class. Grey .npy data: unknown, so off.
  if (spec.kind === 'idx' || channels === 1) return null;
  return { pad: Math.max(1, Math.round(height / 8)), flip: true };
}

function channelsWanted(stored: number, o: OpenDatasetOptions, spec: string): ColorChannels | null {
  if (o.channels !== undefined) {
    if (!isColorChannels(o.channels)) throw new ConfigError('channels', `must be 1 (grey) or 3 (RGB), got ${String(o.channels)}`);
    if (!isColorChannels(stored)) throw new ConfigError('channels', `cannot convert ${spec}'s ${stored}-channel images: only grey (1) and RGB (3) convert`, 'leave out --channels, or convert the images yourself');
    return o.channels === stored ? null : o.channels;
  }
  const fit = o.fitChannels;
  return fit !== undefined && isColorChannels(stored) && fit !== stored ? fit : null;
}

const convertedWarning = (to: ColorChannels): string => to === 1
  ? "the images are RGB and the model takes grey: converted by ITU-R 601-2 luma, as PIL's convert('L') (--channels sets this)"
  : "the images are grey and the model takes RGB: each repeated over 3 channels, as torchvision's Grayscale(3) (--channels sets this)";

const repeatTo = (v: readonly number[], n: number): number[] => (v.length === n ? [...v] : Array.from({ length: n }, () => v[0]!));

function splitOptions(seed: number, o: OpenDatasetOptions): { seed: number; valSize?: number; trainSubset?: number } {
  return {
    seed,
    ...(o.valSize === undefined ? {} : { valSize: o.valSize }),
    ...(o.trainSubset === undefined ? {} : { trainSubset: o.trainSubset }),
  };
}

/** What the rows of image stores are labelled with: masks of the images' size, class ids, or (all -1) nothing. */
function imageLabel(train: ImageStore): LabelInfo {
  if (train.masks) return { kind: 'mask', shape: [train.shape[1], train.shape[2]] };
  return train.count > 0 && train.labels[0]! < 0 ? { kind: 'none' } : { kind: 'class' };
}

/** What the rows of tensor stores are labelled with. */
function tensorLabel(train: TensorStore): LabelInfo {
  if (train.targets) return { kind: 'target', shape: train.targets.shape };
  return train.count > 0 && train.labels[0]! >= 0 ? { kind: 'class' } : { kind: 'none' };
}

/** A tensor set: splits of its rows, inputs fed as stored (no channels, resizing, normalisation or augmentation). */
function openTensors(s: DataSpec, read: RawDataset<TensorStore>, options: OpenDatasetOptions, seed: number): Dataset {
  for (const [flag, given] of [['channels', options.channels], ['imageSize', options.imageSize]] as const) {
    if (given !== undefined) throw new ConfigError(flag, `${formatDataSpec(s)} holds tensors, not images`, `leave out --${flag === 'imageSize' ? 'image-size' : flag}`);
  }
  const raw = options.sharedMemory ? { ...read, train: toSharedStore(read.train), test: toSharedStore(read.test) } : read;
  return {
    name: s.kind,
    spec: formatDataSpec(s),
    classes: raw.classes,
    label: raw.label ?? tensorLabel(raw.train),
    inputs: raw.train.inputs.map((c) => ({ name: c.name, dtype: c.dtype, shape: c.shape, image: false })),
    shape: [0, 0, 0],
    pixelType: 'float32',
    ...makeSplits(raw.train, raw.test, splitOptions(seed, options)),
    mean: [],
    std: [],
    statsSource: 'computed',
    defaultAugment: null,
    seed,
    skipped: raw.skipped,
    warnings: raw.warnings,
    storedChannels: 0,
  };
}

/** Reads a dataset named by a spec (or a parsed DataSpec) and makes its train/val/test splits and normalisation. */
export async function openDataset(spec: string | DataSpec, options: OpenDatasetOptions = {}): Promise<Dataset> {
  const s = typeof spec === 'string' ? parseDataSpec(spec) : spec;
  const seed = checkSeed(options.seed ?? DEFAULT_SEED);
  const raw = await readRaw(s, options, seed);
  const { train, test } = raw;
  if (isTensorStore(train) && isTensorStore(test)) return openTensors(s, { ...raw, train, test }, options, seed);
  if (isTensorStore(train) || isTensorStore(test)) throw new Error(`${formatDataSpec(s)}: a reader gave one split of images and one of tensors`);
  const read: RawDataset = { ...raw, train, test };
  const stored = read.train.shape[0];
  const to = channelsWanted(stored, options, formatDataSpec(s));
  const convert = (r: RawDataset): RawDataset => (to === null ? r : { ...r, train: convertChannels(r.train, to), test: convertChannels(r.test, to) });
  // the cheaper order: resize the fewer channels
  const converted = to === 1 ? resized(convert(read), s, options) : convert(resized(read, s, options));
  const images = options.sharedMemory ? { ...converted, train: toSharedStore(converted.train), test: toSharedStore(converted.test) } : converted;
  const splits = makeSplits(images.train, images.test, splitOptions(seed, options));
  const builtin = s.kind === 'builtin' ? BUILTINS[s.name]! : undefined;
  // Statistics cover the whole training file (train + val), so they do not move with --val-size or --train-subset.
  // (built-in datasets are grey: repeated over RGB, their known statistics repeat too)
  const stats = builtin ? { mean: repeatTo(builtin.mean, images.train.shape[0]), std: repeatTo(builtin.std, images.train.shape[0]) } : channelStats(images.train);
  const [, H] = images.train.shape;
  return {
    name: builtin ? builtin.name : s.kind,
    spec: formatDataSpec(s),
    classes: images.classes,
    label: imageLabel(images.train),
    inputs: [{ name: IMAGE_INPUT, dtype: 'float32', shape: images.train.shape, image: true }],
    shape: images.train.shape,
    pixelType: pixelTypeOf(images.train),
    ...splits,
    mean: stats.mean,
    std: stats.std,
    statsSource: builtin ? 'known' : 'computed',
    defaultAugment: defaultAugment(s, stored, H),
    seed,
    skipped: images.skipped,
    warnings: to !== null && options.channels === undefined ? [...images.warnings, convertedWarning(to)] : images.warnings,
    storedChannels: stored,
  };
}
