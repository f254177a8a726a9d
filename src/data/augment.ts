import type { AugmentOptions } from './dataset.js';
import { randInt, type Rng } from './prng.js';

/** One sample's draw: crop offsets in [-pad, pad] and whether to flip horizontally. */
export interface AugmentDraw {
  readonly dy: number;
  readonly dx: number;
  readonly flip: boolean;
}

const NONE: AugmentDraw = { dy: 0, dx: 0, flip: false };

/** Draws one sample's crop offset and flip; draws nothing for a disabled part, so the sequence depends only on the options. */
export function drawAugment(a: AugmentOptions | null, rng: Rng): AugmentDraw {
  if (a === null) return NONE;
  const dy = a.pad > 0 ? randInt(rng, 2 * a.pad + 1) - a.pad : 0;
  const dx = a.pad > 0 ? randInt(rng, 2 * a.pad + 1) - a.pad : 0;
  return { dy, dx, flip: a.flip && rng() < 0.5 };
}

/** The output columns [x0, x1) whose source column lies inside the image, for a draw. */
function validColumns(W: number, d: AugmentDraw): [number, number] {
  // Unflipped: sx = x + dx. Flipped: sx = W - 1 - x + dx. Both must lie in [0, W).
  return d.flip ? [Math.max(0, d.dx), Math.min(W, W + d.dx)] : [Math.max(0, -d.dx), Math.min(W, W - d.dx)];
}

/**
 * Writes one normalised channel plane of H x W into `out` at `o`, reading the uint8 source plane at `s` through
 * `lut`, shifted by (dy, dx) and mirrored when `flip`; pixels from outside the image (the zero padding) get
 * `padValue`. This is torchvision's RandomCrop(padding=pad) followed by RandomHorizontalFlip.
 */
export function augmentPlaneU8(src: Uint8Array, s: number, out: Float32Array, o: number, H: number, W: number, d: AugmentDraw, lut: Float32Array, padValue: number): void {
  const [x0, x1] = validColumns(W, d);
  for (let y = 0; y < H; y++) {
    const sy = y + d.dy;
    const row = o + y * W;
    if (sy < 0 || sy >= H || x0 >= x1) {
      out.fill(padValue, row, row + W);
      continue;
    }
    if (x0 > 0) out.fill(padValue, row, row + x0);
    if (x1 < W) out.fill(padValue, row + x1, row + W);
    if (d.flip) {
      const base = s + sy * W + W - 1 + d.dx;
      for (let x = x0; x < x1; x++) out[row + x] = lut[src[base - x]!]!;
    } else {
      const base = s + sy * W + d.dx;
      for (let x = x0; x < x1; x++) out[row + x] = lut[src[base + x]!]!;
    }
  }
}

/** augmentPlaneU8 for float32 sources: the value is v * scale + bias. */
export function augmentPlaneF32(src: Float32Array, s: number, out: Float32Array, o: number, H: number, W: number, d: AugmentDraw, scale: number, bias: number): void {
  const [x0, x1] = validColumns(W, d);
  for (let y = 0; y < H; y++) {
    const sy = y + d.dy;
    const row = o + y * W;
    if (sy < 0 || sy >= H || x0 >= x1) {
      out.fill(bias, row, row + W);
      continue;
    }
    if (x0 > 0) out.fill(bias, row, row + x0);
    if (x1 < W) out.fill(bias, row + x1, row + W);
    if (d.flip) {
      const base = s + sy * W + W - 1 + d.dx;
      for (let x = x0; x < x1; x++) out[row + x] = src[base - x]! * scale + bias;
    } else {
      const base = s + sy * W + d.dx;
      for (let x = x0; x < x1; x++) out[row + x] = src[base + x]! * scale + bias;
    }
  }
}

/** A mask plane moved as augmentPlaneU8 moves its image: same shift and mirror, `padValue` where the padding comes in. */
export function augmentMask(src: Uint8Array, s: number, out: Uint8Array, o: number, H: number, W: number, d: AugmentDraw, padValue: number): void {
  const [x0, x1] = validColumns(W, d);
  for (let y = 0; y < H; y++) {
    const sy = y + d.dy;
    const row = o + y * W;
    if (sy < 0 || sy >= H || x0 >= x1) {
      out.fill(padValue, row, row + W);
      continue;
    }
    if (x0 > 0) out.fill(padValue, row, row + x0);
    if (x1 < W) out.fill(padValue, row + x1, row + W);
    const base = s + sy * W + (d.flip ? W - 1 + d.dx : d.dx);
    if (d.flip) for (let x = x0; x < x1; x++) out[row + x] = src[base - x]!;
    else out.set(src.subarray(base + x0, base + x1), row + x0);
  }
}
