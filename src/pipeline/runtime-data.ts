import type { Graph } from '../graph/index.js';
import { imageInputShape, inputLayout } from '../exec/index.js';
import { BatchLoader, prefetchEpoch, type Batch, type BatchTensor, type Dataset, type Split } from '../data/index.js';
import { runtimeNamed, type RuntimeSession, type RuntimeTensor } from '../runtime/index.js';

/** A batch of [N, C, H, W] images as the graph's input takes them in a runtime (transposed for a channels-last input). */
export function imageFeed(g: Graph, b: Pick<Batch, 'x' | 'shape'>): RuntimeTensor {
  const [n, c, h, w] = b.shape;
  const dims = imageInputShape(g, [c, h, w], n);
  if (inputLayout(g, [c, h, w]) !== 'nhwc') return { data: b.x, dims };
  const out = new Float32Array(b.x.length);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[(i * h * w + p) * c + ch] = b.x[(i * c + ch) * h * w + p]!;
  return { data: out, dims };
}

/** The first `rows` rows of a tensor set's input as a runtime tensor (not float64, int16 or bool: no runtime tensor here). */
function runtimeTensor(t: BatchTensor, rows: number): RuntimeTensor {
  if (t.dtype === 'float64' || t.dtype === 'int16' || t.dtype === 'bool') throw new Error(`the input '${t.name}' is ${t.dtype}, which is not fed to onnxruntime here`);
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { data: (t.data as RuntimeTensor['data']).subarray(0, rows * per), dims: [rows, ...t.shape.slice(1)] };
}

/**
 * The feeds that give a model a batch's first `rows` rows (all by default) in a runtime, as modelFeeds gives them on
 * whittle's engine: images as imageFeed lays them out; a tensor set's one input to the model's only input; several
 * by the names of the model's inputs.
 */
export function batchFeeds(g: Graph, b: Batch, rows = b.n): Record<string, RuntimeTensor> {
  const given = b.inputs;
  if (!given) {
    const [, c, h, w] = b.shape;
    return { [g.inputs[0]!.name]: imageFeed(g, { x: b.x.subarray(0, rows * c * h * w), shape: [rows, c, h, w] }) };
  }
  if (given.length === 1 && g.inputs.length === 1) return { [g.inputs[0]!.name]: runtimeTensor(given[0]!, rows) };
  return Object.fromEntries(g.inputs.map((i) => {
    const t = given.find((c) => c.name === i.name);
    if (!t) throw new Error(`no batch for the model's input '${i.name}' (the batch has ${given.map((c) => c.name).join(', ')})`);
    return [i.name, runtimeTensor(t, rows)];
  }));
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
  const output = session.outputNames[0]!;
  for await (const b of prefetchEpoch(loader)) {
    if (b.n === 0) continue;
    const r = await session.run(batchFeeds(g, b), [output]);
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

/** `fn` with a session of the model in onnxruntime-node, released after it whatever happens. */
export async function withSession<T>(bytes: Uint8Array, o: { threads: number; optimization?: 'all' | 'disabled' }, fn: (s: RuntimeSession) => Promise<T>): Promise<T> {
  const s = await runtimeNamed('onnxruntime-node').open(bytes, o);
  try {
    return await fn(s);
  } finally {
    await s.release();
  }
}
