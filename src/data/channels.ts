import type { ImageStore } from './dataset.js';

/** The channel counts images can be converted between: grey and RGB. */
export type ColorChannels = 1 | 3;

export const isColorChannels = (c: number): c is ColorChannels => c === 1 || c === 3;

// ITU-R 601-2 luma in 16-bit fixed point, as PIL's Image.convert('L') (and so torchvision's Grayscale on PIL images).
const R = 19595;
const G = 38470;
const B = 7471;

function toGrey(store: ImageStore): ImageStore {
  const [, H, W] = store.shape;
  const hw = H * W;
  const src = store.pixels;
  const out = src instanceof Uint8Array ? new Uint8Array(store.count * hw) : new Float32Array(store.count * hw);
  for (let i = 0; i < store.count; i++) {
    const r = 3 * i * hw;
    const o = i * hw;
    if (src instanceof Uint8Array) {
      for (let p = 0; p < hw; p++) out[o + p] = (src[r + p]! * R + src[r + hw + p]! * G + src[r + 2 * hw + p]! * B + 0x8000) >>> 16;
    } else {
      for (let p = 0; p < hw; p++) out[o + p] = 0.299 * src[r + p]! + 0.587 * src[r + hw + p]! + 0.114 * src[r + 2 * hw + p]!;
    }
  }
  return { ...store, pixels: out, shape: [1, H, W] };
}

function toRgb(store: ImageStore): ImageStore {
  const [, H, W] = store.shape;
  const hw = H * W;
  const src = store.pixels;
  const out = src instanceof Uint8Array ? new Uint8Array(3 * store.count * hw) : new Float32Array(3 * store.count * hw);
  for (let i = 0; i < store.count; i++) {
    const grey = src.subarray(i * hw, (i + 1) * hw);
    for (let c = 0; c < 3; c++) out.set(grey, (3 * i + c) * hw);
  }
  return { ...store, pixels: out, shape: [3, H, W] };
}

/**
 * The store's images with `to` channels: RGB to grey by ITU-R 601-2 luma (PIL's convert('L'), rounded, for 8-bit
 * pixels), grey to RGB by repeating the one channel (torchvision's Grayscale(3) and PIL's convert('RGB')).
 */
export function convertChannels(store: ImageStore, to: ColorChannels): ImageStore {
  const from = store.shape[0];
  if (from === to) return store;
  if (!isColorChannels(from)) throw new RangeError(`cannot convert ${from}-channel images to ${to}`);
  return to === 1 ? toGrey(store) : toRgb(store);
}
