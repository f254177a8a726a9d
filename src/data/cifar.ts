import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';
import type { ImageStore, RawDataset } from './dataset.js';
import { numberedClasses } from './labels.js';
import { readDataFile } from './read-file.js';

const PIXELS = 3 * 32 * 32;

/** CIFAR-10's class names, used when batches.meta.txt is absent. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

interface Layout {
  readonly variant: 'cifar-10' | 'cifar-100';
  readonly dir: string;
  readonly train: string[];
  readonly test: string;
}

function findLayout(root: string): Layout {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new DatasetError(root, 'directory not found');
  // The official archives unpack to a subfolder; accept DIR pointing at either level.
  for (const dir of [root, join(root, 'cifar-10-batches-bin'), join(root, 'cifar-100-binary')]) {
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir);
    const batches = files.filter((f) => /^data_batch_\d+\.bin(\.gz)?$/.test(f)).sort((a, b) => parseInt(a.slice(11), 10) - parseInt(b.slice(11), 10));
    const test10 = files.find((f) => /^test_batch\.bin(\.gz)?$/.test(f));
    if (batches.length > 0) {
      if (!test10) throw new DatasetError(dir, 'CIFAR-10 test_batch.bin is missing');
      return { variant: 'cifar-10', dir, train: batches.map((f) => join(dir, f)), test: join(dir, test10) };
    }
    const train100 = files.find((f) => /^train\.bin(\.gz)?$/.test(f));
    const test100 = files.find((f) => /^test\.bin(\.gz)?$/.test(f));
    if (train100) {
      if (!test100) throw new DatasetError(dir, 'CIFAR-100 test.bin is missing');
      return { variant: 'cifar-100', dir, train: [join(dir, train100)], test: join(dir, test100) };
    }
  }
  throw new DatasetError(root, 'no CIFAR binary files found', 'expected data_batch_1..5.bin + test_batch.bin (CIFAR-10) or train.bin + test.bin (CIFAR-100), the "binary version" archives');
}

function readRecords(paths: string[], variant: Layout['variant'], numClasses: number): ImageStore {
  // CIFAR-10 records are <label><3072 pixels>; CIFAR-100 records are <coarse><fine><3072 pixels>. We use fine labels.
  const head = variant === 'cifar-10' ? 1 : 2;
  const rec = head + PIXELS;
  const bufs = paths.map((p) => {
    const b = readDataFile(p);
    if (b.length === 0 || b.length % rec !== 0) {
      throw new DatasetError(p, `truncated or not ${variant} binary: ${b.length} bytes is not a whole number of ${rec}-byte records`);
    }
    return b;
  });
  const count = bufs.reduce((a, b) => a + b.length / rec, 0);
  const pixels = new Uint8Array(count * PIXELS);
  const labels = new Int32Array(count);
  let row = 0;
  bufs.forEach((b, fi) => {
    for (let off = 0; off < b.length; off += rec, row++) {
      const label = b[off + head - 1]!;
      if (label >= numClasses) {
        throw new DatasetError(paths[fi]!, `label ${label} at record ${off / rec} out of range [0, ${numClasses})`);
      }
      labels[row] = label;
      pixels.set(b.subarray(off + head, off + rec), row * PIXELS);
    }
  });
  return { pixels, labels, count, shape: [3, 32, 32] };
}

function classNames(l: Layout): string[] | undefined {
  const meta = join(l.dir, l.variant === 'cifar-10' ? 'batches.meta.txt' : 'fine_label_names.txt');
  if (!existsSync(meta)) return undefined;
  return readFileSync(meta, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Reads CIFAR-10 or CIFAR-100 (binary version) from DIR; the pixels are stored once as uint8 NCHW. */
export function readCifarDir(root: string): RawDataset {
  const l = findLayout(root);
  const n = l.variant === 'cifar-10' ? 10 : 100;
  const train = readRecords(l.train, l.variant, n);
  const test = readRecords([l.test], l.variant, n);
  const names = classNames(l) ?? (l.variant === 'cifar-10' ? CIFAR10_CLASSES : numberedClasses(100));
  if (names.length !== n) throw new DatasetError(join(l.dir, l.variant === 'cifar-10' ? 'batches.meta.txt' : 'fine_label_names.txt'), `lists ${names.length} class names, ${l.variant} has ${n}`);
  return { train, test, classes: names, skipped: 0, warnings: [] };
}
