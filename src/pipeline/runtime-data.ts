import type { Graph } from '../graph/index.js';
import { imageInputShape, inputLayout } from '../exec/index.js';
import { BatchLoader, prefetchEpoch, type Batch, type Dataset, type Split } from '../data/index.js';
import type { RuntimeSession, RuntimeTensor } from '../runtime/index.js';

/** A batch of [N, C, H, W] images as the graph's input takes them in a runtime (transposed for a channels-last input). */
export function imageFeed(g: Graph, b: Pick<Batch, 'x' | 'shape'>): RuntimeTensor {
  const [n, c, h, w] = b.shape;
  const dims = imageInputShape(g, [c, h, w], n);
  if (inputLayout(g, [c, h, w]) !== 'nhwc') return { data: b.x, dims };
  const out = new Float32Array(b.x.length);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[(i * h * w + p) * c + ch] = b.x[(i * c + ch) * h * w + p]!;
  return { data: out, dims };
}

/** Index of the largest value of each row of [N, K] logits. */
export function argmaxRows(logits: Float32Array, n: number): Int32Array {
  const k = logits.length / n;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j]! > logits[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/** A model's top-1 predictions in a runtime on one split, with the split's labels. */
export async function predictSplit(session: RuntimeSession, g: Graph, ds: Dataset, split: Split['name'], batchSize = 256): Promise<{ predicted: Int32Array; labels: Int32Array }> {
  const loader = BatchLoader.of(ds, split, { batchSize, shuffle: false, augment: null, labelType: 'int32' });
  const predicted: number[] = [];
  const labels: number[] = [];
  const input = session.inputNames[0]!;
  const output = session.outputNames[0]!;
  for await (const b of prefetchEpoch(loader)) {
    if (b.n === 0) continue;
    const r = await session.run({ [input]: imageFeed(g, b) }, [output]);
    predicted.push(...argmaxRows(r[output]!.data as Float32Array, b.n));
    labels.push(...(b.y as Int32Array));
  }
  return { predicted: Int32Array.from(predicted), labels: Int32Array.from(labels) };
}

/** The fraction of equal entries. */
export function agreement(a: Int32Array, b: Int32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length ? same / a.length : 0;
}
