import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { DatasetError } from '../errors.js';
import type { ImageStore, RawDataset } from './dataset.js';
import { mixSeed, mulberry32, shuffleInPlace, STREAM } from './prng.js';

export const IMAGE_EXT = /\.(png|jpe?g)$/i;
const DECODE_CONCURRENCY = 8;
/** Fraction of each class held out as the test split when DIR holds only class folders. */
export const FOLDER_TEST_FRACTION = 0.2;

/** Options for reading an ImageFolder tree. */
export interface ImageFolderOptions {
  readonly imageSize: number;
  readonly seed: number;
  readonly strict: boolean;
}

/** One image to read and its class (-1 in a set without labels). */
interface Item {
  readonly path: string;
  readonly label: number;
}

export function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

function subdirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
}

/** The .png/.jpg/.jpeg file names directly in a folder, sorted. */
export function imageNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile() && IMAGE_EXT.test(d.name)).map((d) => d.name).sort();
}

function imagesOf(classDir: string): string[] {
  const files = imageNames(classDir);
  if (files.length === 0) throw new DatasetError(classDir, 'empty class folder: no .png/.jpg/.jpeg images');
  return files.map((f) => join(classDir, f));
}

/** True for a folder of images without class folders: an unlabelled set. */
function isLoose(dir: string): boolean {
  return subdirs(dir).length === 0 && imageNames(dir).length > 0;
}

const unlabelled = (dir: string): Item[] => imagesOf(dir).map((path) => ({ path, label: -1 }));

/** The positions of `n` items that form the test split: FOLDER_TEST_FRACTION of them, drawn by seed (per class: `stream`). */
export function testRows(n: number, seed: number, stream: number): Set<number> {
  const order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), mulberry32(mixSeed(seed, STREAM.split, stream)));
  return new Set(order.slice(0, Math.round(n * FOLDER_TEST_FRACTION)));
}

function listSplit(root: string, classes: string[]): Item[] {
  const items: Item[] = [];
  for (const name of subdirs(root)) {
    const label = classes.indexOf(name);
    if (label < 0) throw new DatasetError(join(root, name), `class "${name}" does not appear in the training folder`);
    for (const path of imagesOf(join(root, name))) items.push({ path, label });
  }
  return items;
}

/**
 * Lists the train and test images of DIR: train/ with test/ or val/, or only class folders split 80/20 by seed; a
 * folder holding images directly (no class folders) gives them without labels (-1).
 */
export function listImageFolder(dir: string, seed: number): { classes: string[]; train: Item[]; test: Item[] } {
  if (!isDir(dir)) throw new DatasetError(dir, 'directory not found');
  const trainRoot = join(dir, 'train');
  if (isDir(trainRoot)) {
    const testRoot = [join(dir, 'test'), join(dir, 'val')].find(isDir);
    if (testRoot === undefined) throw new DatasetError(dir, 'has train/ but neither test/ nor val/', 'add DIR/test/<class>/…, or put the class folders directly in DIR to split them 80/20');
    if (isLoose(trainRoot)) {
      if (!isLoose(testRoot)) throw new DatasetError(testRoot, 'holds no images directly, but train/ does (a set without labels)', `put the test images directly in ${testRoot}`);
      return { classes: [], train: unlabelled(trainRoot), test: unlabelled(testRoot) };
    }
    const classes = subdirs(trainRoot);
    if (classes.length === 0) throw new DatasetError(trainRoot, 'no class folders');
    return { classes, train: listSplit(trainRoot, classes), test: listSplit(testRoot, classes) };
  }
  if (isLoose(dir)) {
    const items = unlabelled(dir);
    const isTest = testRows(items.length, seed, 0);
    return { classes: [], train: items.filter((_, i) => !isTest.has(i)), test: items.filter((_, i) => isTest.has(i)) };
  }
  const classes = subdirs(dir);
  if (classes.length === 0) throw new DatasetError(dir, 'no class folders and no images', 'expected DIR/<class>/*.png, DIR/train/<class>/* and DIR/test/<class>/*, or images directly in DIR (a set without labels)');
  const train: Item[] = [];
  const test: Item[] = [];
  classes.forEach((name, label) => {
    const files = imagesOf(join(dir, name));
    const isTest = testRows(files.length, seed, label);
    files.forEach((path, i) => (isTest.has(i) ? test : train).push({ path, label }));
  });
  return { classes, train, test };
}

export interface Decoded {
  readonly data: Buffer;
  readonly channels: number;
}

/** An image file decoded to size x size raw pixels, grey kept one-channel, alpha dropped. */
export async function decode(path: string, size: number): Promise<Decoded> {
  const file = await readFile(path);
  const meta = await sharp(file).metadata();
  // sharp widens grey to sRGB by default; keep grey images one-channel so a grey dataset costs a third.
  const grey = meta.space === 'b-w' || (meta.channels ?? 3) <= 2;
  const r = await sharp(file, { failOn: 'error' })
    .resize(size, size, { fit: 'fill' })
    .removeAlpha()
    .toColourspace(grey ? 'b-w' : 'srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: r.data, channels: r.info.channels };
}

async function decodeAll(items: Item[], opts: ImageFolderOptions, skipped: string[]): Promise<{ item: Item; img: Decoded }[]> {
  const out: ({ item: Item; img: Decoded } | null)[] = new Array(items.length).fill(null);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const item = items[i]!;
      try {
        out[i] = { item, img: await decode(item.path, opts.imageSize) };
      } catch (e) {
        if (opts.strict) throw new DatasetError(item.path, `unreadable image (${(e as Error).message.split('\n')[0]})`, 'remove or fix the file, or leave out --strict to skip unreadable images');
        skipped.push(item.path);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, items.length) }, worker));
  return out.filter((x): x is { item: Item; img: Decoded } => x !== null);
}

function pack(decoded: { item: Item; img: Decoded }[], channels: number, size: number): ImageStore {
  const hw = size * size;
  const per = channels * hw;
  const pixels = new Uint8Array(decoded.length * per);
  const labels = new Int32Array(decoded.length);
  decoded.forEach(({ item, img }, row) => {
    labels[row] = item.label;
    const base = row * per;
    // sharp gives HWC; the store is CHW. A grey image in an RGB set is repeated over the three channels.
    for (let c = 0; c < channels; c++) {
      const src = img.channels === 1 ? 0 : c;
      for (let p = 0; p < hw; p++) pixels[base + c * hw + p] = img.data[p * img.channels + src]!;
    }
  });
  return { pixels, labels, count: decoded.length, shape: [channels, size, size] };
}

/** Reads an ImageFolder tree, decoding PNG/JPEG with sharp and resizing to imageSize x imageSize (uint8, 1 or 3 channels). */
export async function readImageFolder(dir: string, opts: ImageFolderOptions): Promise<RawDataset> {
  const list = listImageFolder(dir, opts.seed);
  const skipped: string[] = [];
  const train = await decodeAll(list.train, opts, skipped);
  const test = await decodeAll(list.test, opts, skipped);
  const seen = new Set(train.map((d) => d.item.label));
  list.classes.forEach((name, label) => {
    if (!seen.has(label)) throw new DatasetError(join(dir, name), `class "${name}" has no readable training images`);
  });
  const channels = [...train, ...test].some((d) => d.img.channels === 3) ? 3 : 1;
  const warnings = skipped.length === 0 ? [] : [`skipped ${skipped.length} unreadable image${skipped.length === 1 ? '' : 's'} (first: ${skipped[0]})`];
  return {
    train: pack(train, channels, opts.imageSize),
    test: pack(test, channels, opts.imageSize),
    classes: list.classes,
    skipped: skipped.length,
    warnings,
  };
}
