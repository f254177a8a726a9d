import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';
import type { ImageStore, RawDataset } from './dataset.js';
import { checkLabels, classCount, numberedClasses, readClassNames } from './labels.js';
import { parseNpy } from './npy.js';

function readFile(path: string): Buffer {
  if (!existsSync(path)) throw new DatasetError(path, 'file not found', 'an npy: dataset needs x_train.npy, y_train.npy, x_test.npy and y_test.npy');
  return readFileSync(path);
}

function readImages(path: string): { pixels: Uint8Array | Float32Array; count: number; shape: [number, number, number] } {
  const a = parseNpy(readFile(path), path);
  if (a.data instanceof Int32Array) throw new DatasetError(path, `images must be uint8 or float32, got ${a.descr}`);
  const s = a.shape;
  if (s.length === 3) return { pixels: a.data, count: s[0]!, shape: [1, s[1]!, s[2]!] };
  if (s.length !== 4) throw new DatasetError(path, `images must be NCHW (4 dims) or NHW (3 dims), got (${s.join(', ')})`);
  if (s[1]! > 4 && s[3]! <= 4) {
    throw new DatasetError(path, `images look channels-last (${s.join(', ')}); expected NCHW`, 'transpose with np.ascontiguousarray(x.transpose(0, 3, 1, 2))');
  }
  return { pixels: a.data, count: s[0]!, shape: [s[1]!, s[2]!, s[3]!] };
}

function readLabels(path: string): Int32Array {
  const a = parseNpy(readFile(path), path);
  if (!(a.data instanceof Int32Array) && !(a.descr.endsWith('u1'))) throw new DatasetError(path, `labels must be integers, got ${a.descr}`);
  const flat = a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1);
  if (!flat) throw new DatasetError(path, `labels must have shape (N,), got (${a.shape.join(', ')})`);
  return a.data instanceof Int32Array ? a.data : Int32Array.from(a.data);
}

function readPair(dir: string, split: 'train' | 'test'): ImageStore {
  const xp = join(dir, `x_${split}.npy`);
  const yp = join(dir, `y_${split}.npy`);
  const x = readImages(xp);
  const labels = readLabels(yp);
  if (labels.length !== x.count) throw new DatasetError(yp, `image/label count mismatch (${x.count} images in ${xp} vs ${labels.length} labels)`);
  return { pixels: x.pixels, labels, count: x.count, shape: x.shape };
}

/** Reads x_train/y_train/x_test/y_test .npy files (NCHW uint8 or float32 images, integer labels) from DIR. */
export function readNpyDir(dir: string): RawDataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new DatasetError(dir, 'directory not found');
  const train = readPair(dir, 'train');
  const test = readPair(dir, 'test');
  if (train.shape.join() !== test.shape.join()) throw new DatasetError(join(dir, 'x_test.npy'), `image shape [${test.shape.join(', ')}] differs from x_train's [${train.shape.join(', ')}]`);
  if (train.pixels.constructor !== test.pixels.constructor) throw new DatasetError(join(dir, 'x_test.npy'), 'x_test and x_train have different dtypes');
  const names = readClassNames(dir);
  const n = names?.length ?? classCount(train.labels);
  checkLabels(train.labels, n, join(dir, 'y_train.npy'));
  checkLabels(test.labels, n, join(dir, 'y_test.npy'));
  return { train, test, classes: names ?? numberedClasses(n), skipped: 0, warnings: [] };
}
