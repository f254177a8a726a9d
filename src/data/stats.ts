import type { ImageStore } from './dataset.js';

/** Per-channel mean and standard deviation of a store, in network units (uint8 pixels divided by 255). */
export function channelStats(store: ImageStore): { mean: number[]; std: number[] } {
  const [C, H, W] = store.shape;
  const hw = H * W;
  const mean: number[] = [];
  const std: number[] = [];
  const px = store.pixels;
  for (let c = 0; c < C; c++) {
    let sum = 0;
    let sq = 0;
    if (px instanceof Uint8Array) {
      // A histogram is exact and much faster than summing floats.
      const hist = new Float64Array(256);
      for (let i = 0; i < store.count; i++) {
        const base = (i * C + c) * hw;
        for (let p = 0; p < hw; p++) hist[px[base + p]!]!++;
      }
      for (let v = 0; v < 256; v++) {
        const x = v / 255;
        sum += hist[v]! * x;
        sq += hist[v]! * x * x;
      }
    } else {
      for (let i = 0; i < store.count; i++) {
        const base = (i * C + c) * hw;
        for (let p = 0; p < hw; p++) {
          const x = px[base + p]!;
          sum += x;
          sq += x * x;
        }
      }
    }
    const n = store.count * hw;
    const m = n > 0 ? sum / n : 0;
    const variance = n > 0 ? Math.max(0, sq / n - m * m) : 0;
    mean.push(m);
    // A constant channel would divide by zero; 1 leaves it merely centred.
    std.push(variance > 1e-12 ? Math.sqrt(variance) : 1);
  }
  return { mean, std };
}
