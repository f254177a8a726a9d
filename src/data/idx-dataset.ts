import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';
import type { RawDataset } from './dataset.js';
import { readIdxPair } from './idx.js';
import { checkLabels, classCount, numberedClasses, readClassNames } from './labels.js';

// Accepts the usual spellings: train-images-idx3-ubyte, t10k-labels.idx1-ubyte.gz, test_images_idx3_ubyte, …
const NAME = /^(train|t10k|test)[-_.](images|labels)[-_.]idx([13])[-_.]ubyte(\.gz)?$/i;

/** Finds the four IDX files of a directory: {train,t10k|test}-{images,labels}. */
export function findIdxFiles(dir: string): { trainImages: string; trainLabels: string; testImages: string; testLabels: string } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DatasetError(dir, 'directory not found');
  const found: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) {
    const m = NAME.exec(f);
    if (!m) continue;
    const split = m[1]!.toLowerCase() === 'train' ? 'train' : 'test';
    const key = `${split}-${m[2]!.toLowerCase()}`;
    if (found[key] === undefined || !found[key].endsWith('.gz')) found[key] = join(dir, f);
  }
  const missing = ['train-images', 'train-labels', 'test-images', 'test-labels'].filter((k) => found[k] === undefined);
  if (missing.length > 0) {
    throw new DatasetError(dir, `missing IDX files: ${missing.join(', ')}`, 'expected train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each may end in .gz)');
  }
  return { trainImages: found['train-images']!, trainLabels: found['train-labels']!, testImages: found['test-images']!, testLabels: found['test-labels']! };
}

/** Opens an IDX image/label directory; classes come from `classes` (fixed), DIR/classes.txt, or the labels seen. */
export function readIdxDir(dir: string, classes?: string[]): RawDataset {
  const f = findIdxFiles(dir);
  const train = readIdxPair(f.trainImages, f.trainLabels);
  const test = readIdxPair(f.testImages, f.testLabels);
  if (train.shape[1] !== test.shape[1] || train.shape[2] !== test.shape[2]) {
    throw new DatasetError(f.testImages, `image size ${test.shape[1]}x${test.shape[2]} differs from the training images' ${train.shape[1]}x${train.shape[2]}`);
  }
  const names = classes ?? readClassNames(dir);
  const n = names?.length ?? classCount(train.labels);
  checkLabels(train.labels, n, f.trainLabels);
  checkLabels(test.labels, n, f.testLabels);
  return { train, test, classes: names ?? numberedClasses(n), skipped: 0, warnings: [] };
}
