import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { DatasetError } from '../errors.js';
import { IGNORE_INDEX, type ImageStore, type RawDataset } from './dataset.js';
import { decode, imageNames, isDir, testRows, type Decoded, type ImageFolderOptions } from './image-folder.js';
import { numberedClasses, readClassNames } from './labels.js';
import { resizeMasks } from './resize.js';

const DECODE_CONCURRENCY = 8;
const BITS: Record<string, string> = { ushort: '16-bit', short: '16-bit', uint: '32-bit', int: '32-bit', float: 'float', double: 'float' };

/** One image and its mask file. */
interface Pair {
  readonly image: string;
  readonly mask: string;
}

/** The folders of a segmentation set's split: `images/` and `masks/`. */
const hasPairs = (dir: string): boolean => isDir(join(dir, 'images')) && isDir(join(dir, 'masks'));

/** True when DIR is a segmentation set: images/ and masks/, in DIR or in DIR/train. */
export function isSegmentationFolder(dir: string): boolean {
  return hasPairs(dir) || hasPairs(join(dir, 'train'));
}

function listPairs(dir: string): Pair[] {
  const images = imageNames(join(dir, 'images'));
  if (images.length === 0) throw new DatasetError(join(dir, 'images'), 'no .png/.jpg/.jpeg images');
  return images.map((name) => {
    const mask = join(dir, 'masks', `${basename(name, extname(name))}.png`);
    if (!existsSync(mask)) throw new DatasetError(join(dir, 'images', name), `has no mask ${mask}`, 'every image needs an 8-bit PNG of class indices of the same base name in masks/');
    return { image: join(dir, 'images', name), mask };
  });
}

function listSplits(dir: string, seed: number): { train: Pair[]; test: Pair[] } {
  if (hasPairs(dir)) {
    const pairs = listPairs(dir);
    const isTest = testRows(pairs.length, seed, 0);
    return { train: pairs.filter((_, i) => !isTest.has(i)), test: pairs.filter((_, i) => isTest.has(i)) };
  }
  const testRoot = [join(dir, 'test'), join(dir, 'val')].find(hasPairs);
  if (testRoot === undefined) throw new DatasetError(dir, 'has train/images and train/masks but no test/ or val/ with images/ and masks/', 'add DIR/test/images and DIR/test/masks, or put images/ and masks/ directly in DIR to split them 80/20');
  return { train: listPairs(join(dir, 'train')), test: listPairs(testRoot) };
}

/** A mask's class indices at its own size, checked against its image's size. */
async function readMask(p: Pair, size: { width: number; height: number }): Promise<Uint8Array> {
  const file = await readFile(p.mask);
  const depth = (await sharp(file).metadata()).depth;
  if (depth !== 'uchar') throw new DatasetError(p.mask, `is not an 8-bit image (its samples are ${BITS[depth ?? ''] ?? depth}); masks are 8-bit PNGs of class ids`, 'save the mask as 8-bit grey (class ids up to 254; 255 = ignore)');
  const r = await sharp(file, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = r.info;
  if (width !== size.width || height !== size.height) {
    throw new DatasetError(p.mask, `mask is ${width}x${height} but its image ${basename(p.image)} is ${size.width}x${size.height}`);
  }
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const v = r.data[i * channels]!;
    for (let c = 1; c < Math.min(channels, 3); c++) {
      if (r.data[i * channels + c] !== v) {
        throw new DatasetError(p.mask, 'is a colour image, not class indices', "save masks as 8-bit grey PNGs whose values are class ids (a palette PNG: Image.fromarray(np.array(Image.open(p))).save(p) with PIL)");
      }
    }
    out[i] = v;
  }
  return out;
}

interface DecodedPair {
  readonly img: Decoded;
  readonly mask: Uint8Array;
}

async function decodePair(p: Pair, size: number): Promise<DecodedPair> {
  const meta = await sharp(await readFile(p.image)).metadata();
  const img = await decode(p.image, size);
  const mask = await readMask(p, { width: meta.width ?? 0, height: meta.height ?? 0 });
  return { img, mask: resizeMasks(mask, 1, meta.height ?? 0, meta.width ?? 0, size, size) };
}

async function decodeAll(pairs: Pair[], o: ImageFolderOptions, skipped: string[]): Promise<DecodedPair[]> {
  const out: (DecodedPair | null)[] = new Array(pairs.length).fill(null);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pairs.length) {
      const i = next++;
      const p = pairs[i]!;
      try {
        out[i] = await decodePair(p, o.imageSize);
      } catch (e) {
        if (e instanceof DatasetError) throw e;
        if (o.strict) throw new DatasetError(p.image, `unreadable image or mask (${(e as Error).message.split('\n')[0]})`, 'remove or fix the pair, or leave out --strict to skip unreadable ones');
        skipped.push(p.image);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, pairs.length) }, worker));
  return out.filter((x): x is DecodedPair => x !== null);
}

function pack(decoded: DecodedPair[], channels: number, size: number): ImageStore {
  const hw = size * size;
  const per = channels * hw;
  const pixels = new Uint8Array(decoded.length * per);
  const masks = new Uint8Array(decoded.length * hw);
  decoded.forEach(({ img, mask }, row) => {
    for (let c = 0; c < channels; c++) {
      const src = img.channels === 1 ? 0 : c;
      for (let p = 0; p < hw; p++) pixels[row * per + c * hw + p] = img.data[p * img.channels + src]!;
    }
    masks.set(mask, row * hw);
  });
  return { pixels, labels: new Int32Array(decoded.length).fill(-1), count: decoded.length, shape: [channels, size, size], masks };
}

/** The largest class id in masks (IGNORE_INDEX aside), or -1. */
function maxClass(masks: Uint8Array): number {
  let max = -1;
  for (let i = 0; i < masks.length; i++) if (masks[i]! !== IGNORE_INDEX && masks[i]! > max) max = masks[i]!;
  return max;
}

/**
 * Reads a segmentation folder: images/ and masks/ (8-bit PNGs of class ids, 255 = ignore, the image's base name and
 * size) in DIR, split 80/20 by seed, or in DIR/train and DIR/test (or val). Images are decoded at imageSize as in an
 * image folder, masks resized to it by nearest neighbour. Class names: DIR/classes.txt, else the ids.
 */
export async function readSegmentationFolder(dir: string, o: ImageFolderOptions): Promise<RawDataset> {
  const list = listSplits(dir, o.seed);
  const skipped: string[] = [];
  const train = await decodeAll(list.train, o, skipped);
  const test = await decodeAll(list.test, o, skipped);
  if (train.length === 0) throw new DatasetError(dir, 'no readable training images');
  const channels = [...train, ...test].some((d) => d.img.channels === 3) ? 3 : 1;
  const trainStore = pack(train, channels, o.imageSize);
  const testStore = pack(test, channels, o.imageSize);
  const names = readClassNames(dir);
  const top = Math.max(maxClass(trainStore.masks!), maxClass(testStore.masks!));
  if (names !== undefined && top >= names.length) throw new DatasetError(join(dir, 'classes.txt'), `lists ${names.length} classes but a mask holds class id ${top}`, `masks hold ids 0..${names.length - 1}, or ${IGNORE_INDEX} for pixels not to count`);
  const warnings = skipped.length === 0 ? [] : [`skipped ${skipped.length} unreadable image${skipped.length === 1 ? '' : 's'} or mask${skipped.length === 1 ? '' : 's'} (first: ${skipped[0]})`];
  return {
    train: trainStore,
    test: testStore,
    classes: names ?? numberedClasses(top + 1),
    skipped: skipped.length,
    warnings,
  };
}
