import type { ImageStore } from './dataset.js';

// PIL's fixed point for 8-bit resampling (Resample.c): 32 bits less 8 for the pixel and 2 for the sign and headroom.
const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

/** One output pixel's taps along one axis: the first input index and a weight per input pixel from there. */
interface Taps {
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly width: number;
  readonly weights: Float64Array;
}

/** PIL's precompute_coeffs for its BILINEAR (triangle) filter, widened by the scale when shrinking (antialiasing). */
function bilinearTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const ss = 1 / filterScale;
  const width = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * width);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const w = Math.max(0, 1 - Math.abs((i - center + 0.5) * ss));
      weights[o * width + i - lo] = w;
      total += w;
    }
    if (total !== 0) for (let i = 0; i < hi - lo; i++) weights[o * width + i] = weights[o * width + i]! / total;
    first[o] = lo;
    count[o] = hi - lo;
  }
  return { first, count, width, weights };
}

/** The taps in PIL's 8-bit fixed point (rounded half away from zero). */
function fixedPoint(t: Taps): Taps {
  return { ...t, weights: t.weights.map((w) => (w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE))) };
}

const clip8 = (v: number): number => (v >= 255 * ONE ? 255 : v <= 0 ? 0 : Math.floor(v / ONE));

/**
 * Resamples one plane along one axis: `lines` lines, whose samples lie `srcStride` apart within a line and whose
 * lines start `srcStep` apart, into lines of `taps.first.length` samples laid out by `dstStride` and `dstStep`.
 */
function resampleAxis(src: Uint8Array | Float32Array, dst: Uint8Array | Float32Array, taps: Taps, lines: number, srcStride: number, srcStep: number, dstStride: number, dstStep: number): void {
  const eight = dst instanceof Uint8Array;
  const outLen = taps.first.length;
  for (let l = 0; l < lines; l++) {
    for (let o = 0; o < outLen; o++) {
      const base = l * srcStep + taps.first[o]! * srcStride;
      const k = o * taps.width;
      let sum = eight ? HALF : 0;
      for (let i = 0; i < taps.count[o]!; i++) sum += src[base + i * srcStride]! * taps.weights[k + i]!;
      dst[l * dstStep + o * dstStride] = eight ? clip8(sum) : sum;
    }
  }
}

/**
 * The store's images resized to height x width with PIL's bilinear filter (antialiased when shrinking), as
 * torchvision's Resize does on PIL images: horizontal pass first, each pass rounded to 8 bits for uint8 pixels
 * (equal to PIL's output), in float64 arithmetic for float32 pixels.
 */
export function resizeStore(store: ImageStore, height: number, width: number): ImageStore {
  const [C, H, W] = store.shape;
  if (H === height && W === width) return store;
  const eight = store.pixels instanceof Uint8Array;
  const make = (n: number): Uint8Array | Float32Array => (eight ? new Uint8Array(n) : new Float32Array(n));
  const across = W === width ? null : eight ? fixedPoint(bilinearTaps(W, width)) : bilinearTaps(W, width);
  const down = H === height ? null : eight ? fixedPoint(bilinearTaps(H, height)) : bilinearTaps(H, height);
  const planes = store.count * C;
  const out = make(planes * height * width);
  const mid = make(H * width);
  for (let p = 0; p < planes; p++) {
    const plane = store.pixels.subarray(p * H * W, (p + 1) * H * W);
    const target = out.subarray(p * height * width, (p + 1) * height * width);
    // rows first (H lines of W samples), then columns (width lines of H samples, stride width)
    const wide = across === null ? plane : mid;
    if (across !== null) resampleAxis(plane, mid, across, H, 1, W, 1, width);
    if (down === null) target.set(wide);
    else resampleAxis(wide, target, down, width, width, 1, width, 1);
  }
  return { ...store, pixels: out, shape: [C, height, width], ...(store.masks ? { masks: resizeMasks(store.masks, store.count, H, W, height, width) } : {}) };
}

/** Class-id masks resized by nearest neighbour (PIL's NEAREST: source index floor((o + 0.5) * in / out)), so no new ids appear. */
export function resizeMasks(masks: Uint8Array, count: number, H: number, W: number, height: number, width: number): Uint8Array {
  const out = new Uint8Array(count * height * width);
  const sx = Int32Array.from({ length: width }, (_, o) => Math.min(W - 1, Math.floor(((o + 0.5) * W) / width)));
  for (let i = 0; i < count; i++) {
    for (let y = 0; y < height; y++) {
      const src = i * H * W + Math.min(H - 1, Math.floor(((y + 0.5) * H) / height)) * W;
      const dst = (i * height + y) * width;
      for (let x = 0; x < width; x++) out[dst + x] = masks[src + sx[x]!]!;
    }
  }
  return out;
}
