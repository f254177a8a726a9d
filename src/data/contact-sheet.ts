import { renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { ConfigError, DatasetError } from '../errors.js';
import { isTensorStore, type Dataset, type Split } from './dataset.js';

/** Options of writeContactSheet. */
export interface ContactSheetOptions {
  /** Images per class (one row per class; a set without class labels: four rows of its first images); default 8. */
  readonly perClass?: number;
  /** The split to draw from; default train. */
  readonly split?: Split['name'];
}

const GAP = 2;
const BACKGROUND = 32;

function floatRange(px: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < px.length; i++) {
    const v = px[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // Data already in [0, 1] is shown as is; anything else is stretched over its own range.
  if (lo >= 0 && hi <= 1) return [0, 1];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/** Picks up to `perClass` rows of each class, in split order. */
export function sampleRows(split: Split, classes: number, perClass: number): number[][] {
  const rows: number[][] = Array.from({ length: classes }, () => []);
  for (const r of split.indices) {
    const list = rows[split.store.labels[r]!];
    if (list && list.length < perClass) list.push(r);
  }
  return rows;
}

/** The split's first `perRow * count` rows, `perRow` to a row. */
function firstRows(split: Split, perRow: number, count: number): number[][] {
  const n = Math.min(split.indices.length, perRow * count);
  return Array.from({ length: Math.ceil(n / perRow) }, (_, r) => Array.from(split.indices.subarray(r * perRow, Math.min(n, (r + 1) * perRow))));
}

/** Renders a few images per class as a PNG grid (a row per class) and writes it atomically: a temp file, then rename. */
export async function writeContactSheet(ds: Dataset, path: string, o: ContactSheetOptions = {}): Promise<{ width: number; height: number }> {
  const perClass = o.perClass ?? 8;
  const split = ds[o.split ?? 'train'];
  const store = split.store;
  if (isTensorStore(store)) throw new ConfigError('sheet', `${ds.spec} holds tensors, not images: there is nothing to draw`, 'leave out --sheet');
  const [C, H, W] = store.shape;
  const zoom = Math.max(1, Math.floor(64 / Math.max(H, W)));
  const tileW = W * zoom;
  const tileH = H * zoom;
  const rows = ds.label.kind === 'class' ? sampleRows(split, ds.classes.length, perClass) : firstRows(split, perClass, 4);
  const width = GAP + perClass * (tileW + GAP);
  const height = GAP + rows.length * (tileH + GAP);
  const out = Buffer.alloc(width * height * 3, BACKGROUND);
  const px = store.pixels;
  const [lo, hi] = px instanceof Float32Array ? floatRange(px) : [0, 255];
  const k = 255 / (hi - lo);
  const hw = H * W;
  rows.forEach((list, ci) => {
    list.forEach((row, j) => {
      const ox = GAP + j * (tileW + GAP);
      const oy = GAP + ci * (tileH + GAP);
      for (let y = 0; y < tileH; y++) {
        for (let x = 0; x < tileW; x++) {
          const p = Math.floor(y / zoom) * W + Math.floor(x / zoom);
          const o = ((oy + y) * width + ox + x) * 3;
          for (let c = 0; c < 3; c++) {
            const v = px[row * C * hw + (C === 1 ? 0 : c) * hw + p]!;
            out[o + c] = Math.max(0, Math.min(255, Math.round((v - lo) * k)));
          }
        }
      }
    });
  });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await sharp(out, { raw: { width, height, channels: 3 } }).png().toFile(tmp);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file was never written
    }
    throw new DatasetError(path, `cannot write the contact sheet (${(e as Error).message})`);
  }
  return { width, height };
}
