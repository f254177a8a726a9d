/** How activation ranges are chosen from the calibration data. */
export const METHODS = ['minmax', 'percentile', 'entropy'] as const;
export type Method = (typeof METHODS)[number];

/** Bins of the calibration histograms. */
export const BINS = 2048;
/** The percentile method keeps values from the 0.01th to the 99.99th percentile. */
export const PERCENTILE = 99.99;

/** What calibration saw of one tensor: its extremes and, for percentile and entropy, a histogram over [lo, hi] (of
 * |x| over [0, max|x|] for entropy on a tensor with negative values). */
export type TensorStats = { min: number; max: number; histogram: Float64Array | null; histLo: number; histHi: number };

/** The value below which `fraction` of the histogram's mass lies. */
function quantileOf(h: Float64Array, lo: number, hi: number, fraction: number): number {
  const total = h.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let i = 0; i < h.length; i++) {
    seen += h[i]!;
    if (seen >= fraction * total) return lo + ((i + 1) / h.length) * (hi - lo);
  }
  return hi;
}

/**
 * The clipping threshold (in bins) that minimises the KL divergence between the histogram and its quantization to
 * `levels` levels below the threshold, mass above it piled into the last bin (TensorRT's entropy calibration).
 */
export function entropyThresholdBin(h: Float64Array, levels: number): number {
  const n = h.length;
  let best = n;
  let bestKl = Infinity;
  for (let i = Math.min(levels, n); i <= n; i++) {
    const p = Float64Array.from(h.subarray(0, i));
    for (let k = i; k < n; k++) p[i - 1]! += h[k]!;
    const q = new Float64Array(i);
    const per = i / levels;
    for (let j = 0; j < levels; j++) {
      const start = Math.floor(j * per);
      const end = j === levels - 1 ? i : Math.floor((j + 1) * per);
      let total = 0;
      let nonzero = 0;
      for (let k = start; k < end; k++) if (h[k]! > 0) (total += h[k]!), nonzero++;
      for (let k = start; k < end; k++) if (h[k]! > 0) q[k] = total / nonzero;
    }
    const ps = p.reduce((a, b) => a + b, 0);
    const qs = q.reduce((a, b) => a + b, 0);
    if (ps === 0 || qs === 0) continue;
    let kl = 0;
    for (let k = 0; k < i; k++) {
      if (p[k]! === 0) continue;
      const qk = q[k]! > 0 ? q[k]! / qs : 1e-12;
      kl += (p[k]! / ps) * Math.log(p[k]! / ps / qk);
    }
    if (kl < bestKl) (bestKl = kl), (best = i);
  }
  return best;
}

/** The range to quantize a tensor over, by method. */
export function rangeOf(s: TensorStats, method: Method): { lo: number; hi: number } {
  if (method === 'minmax' || !s.histogram) return { lo: s.min, hi: s.max };
  if (method === 'percentile') {
    return { lo: quantileOf(s.histogram, s.histLo, s.histHi, 1 - PERCENTILE / 100), hi: quantileOf(s.histogram, s.histLo, s.histHi, PERCENTILE / 100) };
  }
  const signed = s.min < 0;
  const bin = entropyThresholdBin(s.histogram, signed ? 128 : 256);
  const t = s.histLo + (bin / s.histogram.length) * (s.histHi - s.histLo);
  return signed ? { lo: Math.max(s.min, -t), hi: Math.min(s.max, t) } : { lo: s.min, hi: Math.min(s.max, t) };
}
