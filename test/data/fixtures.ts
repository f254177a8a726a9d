// Small dataset files in every format, written by the tests themselves into temp dirs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';

/** A fresh temp dir; remove it with cleanup(). */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'whittle-data-'));
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Pixel value of image i at flat position p: deterministic and varied. */
export function pixel(i: number, p: number): number {
  return (i * 37 + p * 11) % 256;
}

/** An IDX file's bytes: 00 00 08 ndim, big-endian dims, then the data. */
export function idxBytes(dims: number[], data: Uint8Array, type = 0x08): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

export function images(n: number, size: number): Uint8Array {
  const a = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) for (let p = 0; p < size; p++) a[i * size + p] = pixel(i, p);
  return a;
}

export function labels(n: number, classes: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i % classes);
}

/** Writes the four MNIST-style IDX files (optionally gzipped) into dir. */
export function writeIdxSet(dir: string, o: { train: number; test: number; h: number; w: number; classes: number; gz?: boolean }): void {
  const ext = o.gz ? '.gz' : '';
  const put = (name: string, b: Buffer): void => writeFileSync(join(dir, name + ext), o.gz ? gzipSync(b) : b);
  put('train-images-idx3-ubyte', idxBytes([o.train, o.h, o.w], images(o.train, o.h * o.w)));
  put('train-labels-idx1-ubyte', idxBytes([o.train], labels(o.train, o.classes)));
  put('t10k-images-idx3-ubyte', idxBytes([o.test, o.h, o.w], images(o.test, o.h * o.w)));
  put('t10k-labels-idx1-ubyte', idxBytes([o.test], labels(o.test, o.classes)));
}

/** A .npy file (format 1.0) of the given little-endian dtype. */
export function npyBytes(descr: string, shape: number[], data: ArrayBufferView): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** CIFAR binary records: <label>[<fine>]<3072 pixels> per image. */
export function cifarBytes(n: number, classes: number, variant: 'cifar-10' | 'cifar-100', offset = 0): Buffer {
  const head = variant === 'cifar-10' ? 1 : 2;
  const rec = head + 3072;
  const b = Buffer.alloc(n * rec);
  for (let i = 0; i < n; i++) {
    const label = (i + offset) % classes;
    if (variant === 'cifar-100') b[i * rec] = label % 20;
    b[i * rec + head - 1] = label;
    for (let p = 0; p < 3072; p++) b[i * rec + head + p] = pixel(i + offset, p);
  }
  return b;
}

/** An RGB image w x h whose colour encodes (cls, k), as PNG or JPEG. */
export async function imageFile(path: string, w: number, h: number, cls: number, k: number, format: 'png' | 'jpeg' = 'png'): Promise<void> {
  const raw = Buffer.alloc(w * h * 3);
  for (let p = 0; p < w * h; p++) {
    raw[p * 3] = (cls * 60) % 256;
    raw[p * 3 + 1] = (k * 20 + (p % w) * 4) % 256;
    raw[p * 3 + 2] = 128;
  }
  const img = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
  await (format === 'png' ? img.png() : img.jpeg()).toFile(path);
}

/** A folder of class subfolders, each with `per` images (alternating PNG and JPEG). */
export async function writeClassFolders(root: string, classes: string[], per: number, size = 12): Promise<void> {
  for (const [ci, c] of classes.entries()) {
    mkdirSync(join(root, c), { recursive: true });
    for (let k = 0; k < per; k++) {
      const fmt = k % 2 === 0 ? 'png' : 'jpeg';
      await imageFile(join(root, c, `img${k}.${fmt === 'png' ? 'png' : 'jpg'}`), size, size, ci, k, fmt);
    }
  }
}
