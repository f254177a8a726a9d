import type { ImageStore, RawDataset } from './dataset.js';
import { mixSeed, mulberry32, randInt, type Rng } from './prng.js';

/** How mnist-seg is made from MNIST: canvases of SIDE x SIDE, each with 2 or 3 digits at random places. */
export const MNIST_SEG = {
  side: 48,
  /** Canvases made from MNIST's training digits, and from its test digits (no digit crosses the two). */
  train: 30000,
  test: 5000,
  /** A pixel belongs to a digit where the digit's ink is at least this (of 255); elsewhere to the background. */
  ink: 128,
  seed: 0x5e9,
} as const;

/** Its 11 classes: the background (mask value 0), then digit d as value d + 1. */
export const MNIST_SEG_CLASSES = ['background', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * `count` canvases of digits drawn from `digits` (28x28 MNIST images with labels): each gets 2 or 3 digits at
 * uniform offsets, overlapping where they fall; a pixel is the brightest digit's ink there, and its mask the class
 * + 1 of that digit where its ink reaches MNIST_SEG.ink, else 0 (background).
 */
function canvases(digits: ImageStore, count: number, rng: Rng): ImageStore {
  const S = MNIST_SEG.side;
  const [, h, w] = digits.shape;
  const pixels = new Uint8Array(count * S * S);
  const masks = new Uint8Array(count * S * S);
  const src = digits.pixels as Uint8Array;
  for (let i = 0; i < count; i++) {
    const base = i * S * S;
    const n = 2 + randInt(rng, 2);
    for (let k = 0; k < n; k++) {
      const d = randInt(rng, digits.count);
      const oy = randInt(rng, S - h + 1);
      const ox = randInt(rng, S - w + 1);
      const cls = digits.labels[d]! + 1;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const v = src[d * h * w + y * w + x]!;
          const p = base + (oy + y) * S + ox + x;
          if (v < pixels[p]!) continue;
          pixels[p] = v;
          masks[p] = v >= MNIST_SEG.ink ? cls : 0;
        }
      }
    }
  }
  return { pixels, labels: new Int32Array(count).fill(-1), count, shape: [1, S, S], masks };
}

/** mnist-seg from MNIST: the same canvases on every machine and run (a fixed seed), train from train, test from test. */
export function deriveMnistSeg(mnist: RawDataset): RawDataset {
  return {
    train: canvases(mnist.train, MNIST_SEG.train, mulberry32(mixSeed(MNIST_SEG.seed, 1))),
    test: canvases(mnist.test, MNIST_SEG.test, mulberry32(mixSeed(MNIST_SEG.seed, 2))),
    classes: MNIST_SEG_CLASSES,
    skipped: 0,
    warnings: [],
  };
}

