import { noGrad, tidy } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { modelFeeds, runGraph, type ModelInput } from '../exec/index.js';
import { BINS, rangeOf, type Method, type TensorStats } from './ranges.js';

/** The values of `names` for one batch (images or a tensor set's rows), as float arrays (graph inputs from the feeds). */
function valuesOf(g: Graph, x: ModelInput, names: readonly string[]): Float32Array[] {
  return noGrad(() => tidy(() => {
    const feeds = modelFeeds(g, x);
    const inner = names.filter((n) => !(n in feeds));
    const out = runGraph(g, feeds, { extraOutputs: inner });
    return names.map((n) => (feeds[n] ?? out[n]!).data() as Float32Array);
  }));
}

/**
 * Runs the float graph on whittle's engine over the calibration batches (fed as training feeds them: modelFeeds) and
 * returns each named tensor's range for `method`: minmax in one pass; percentile and entropy in two (extremes, then a
 * histogram of BINS bins over them).
 */
export function calibrate(g: Graph, batches: readonly ModelInput[], names: readonly string[], method: Method): Map<string, { lo: number; hi: number }> {
  const stats: TensorStats[] = names.map(() => ({ min: Infinity, max: -Infinity, histogram: null, histLo: 0, histHi: 0 }));
  for (const x of batches) {
    valuesOf(g, x, names).forEach((v, k) => {
      const s = stats[k]!;
      for (let i = 0; i < v.length; i++) {
        const e = v[i]!;
        if (e < s.min) s.min = e;
        if (e > s.max) s.max = e;
      }
    });
  }
  if (method !== 'minmax') {
    for (const s of stats) {
      // entropy clips a signed tensor symmetrically: its histogram is of |x|
      const abs = method === 'entropy' && s.min < 0;
      s.histLo = abs ? 0 : s.min;
      s.histHi = abs ? Math.max(-s.min, s.max) : s.max;
      s.histogram = new Float64Array(BINS);
    }
    for (const x of batches) {
      valuesOf(g, x, names).forEach((v, k) => {
        const s = stats[k]!;
        const h = s.histogram!;
        const abs = s.histLo === 0 && s.min < 0;
        const width = s.histHi - s.histLo;
        if (!(width > 0)) return;
        const per = BINS / width;
        for (let i = 0; i < v.length; i++) {
          const e = abs ? Math.abs(v[i]!) : v[i]!;
          h[Math.min(BINS - 1, Math.max(0, Math.floor((e - s.histLo) * per)))]! += 1;
        }
      });
    }
  }
  return new Map(names.map((n, k) => [n, rangeOf(stats[k]!, method)]));
}
