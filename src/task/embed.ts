import { argmax, callAten, cast, div, eq, fillInto, gather, indexSelect, matmul, mul, narrow, norm, reshape, sum, tensor, tidy, toDevice, topk, transpose, unsqueeze, type Tensor } from '../tensor/index.js';
import type { Dim } from '../graph/index.js';
import { scoresWithLabels, type Meter, type Task } from './task.js';

/**
 * A vector per sample [N, D] (features, sentence or image embeddings): distilled by 1 − cosine plus normalised MSE,
 * scored by the mean cosine to the teacher's vector and nearest-neighbour agreement and, on class labels, by k-NN
 * accuracy (for information: the labels neither train it nor pick its epochs). It has no label loss.
 */
export const embed: Task = {
  name: 'embed',
  misfit: (shape: readonly Dim[]) => (shape.length === 2 ? null : `embed needs an output [N, D] (a vector per sample), got [${shape.join(', ')}]`),
  labelKind: null,
  scoredBy: 'class',
  defaultLoss: (activation) => (activation === 'sigmoid' ? 'bce' : 'cosine'),
  labelLoss: () => {
    throw new Error('embed: no label loss');
  },
  meter: (head) => new EmbedMeter(scoresWithLabels(head)),
  fidelityMetric: 'cosine',
  taskMetric: null,
  cacheInBf16: false,
};

/** Rows scaled to unit length. */
const unit = (x: Tensor): Tensor => div(x, callAten('clamp_min', '', norm(x, 2, 1, true), 1e-12));

/** Rows a block of the neighbour search compares with every row: 1024 · N cosines at a time. */
const BLOCK = 1024;

/** The cosines of rows [start, start + rows) of the unit rows `u` to every row, a row's to itself -inf (it is not its own neighbour). */
function blockCosines(u: Tensor, start: number, rows: number): Tensor {
  const sim = matmul(narrow(u, 0, start, rows), transpose(u, 0, 1));
  // -inf on the block's diagonal, written through the view into sim
  fillInto(callAten('diagonal', '', narrow(sim, 1, start, rows), 0, 0, 1), -Infinity);
  return sim;
}

/** The sum of `each(start, rows)` over blocks of BLOCK rows of `n`, each in its own tidy scope. */
function sumOverBlocks(n: number, each: (start: number, rows: number) => number): number {
  let total = 0;
  for (let start = 0; start < n; start += BLOCK) {
    const rows = Math.min(BLOCK, n - start);
    total += tidy(() => each(start, rows));
  }
  return total;
}

/**
 * The share of rows whose nearest neighbour (by cosine, among the other rows) is the same row in `a` as in `b`:
 * [agreeing rows, rows], in blocks of 1024 rows.
 */
export function neighbourAgreement(a: Tensor, b: Tensor): [number, number] {
  const n = a.shape[0]!;
  if (n < 2) return [0, 0];
  const ua = unit(a);
  const ub = unit(b);
  const agree = sumOverBlocks(n, (start, rows) => sum(eq(argmax(blockCosines(ua, start, rows), 1), argmax(blockCosines(ub, start, rows), 1))).item());
  ua.dispose();
  ub.dispose();
  return [agree, n];
}

/** The neighbours that vote in k-NN accuracy. */
export const KNN_K = 5;

/**
 * Leave-one-out k-NN classification of each row of `x` [N, D] by its `k` nearest other rows (by cosine; k is N − 1
 * when fewer): the class most of them hold, a tie going to the tied class of the nearest neighbour. Returns [rows
 * whose predicted class is their label, rows], in blocks of 1024 rows.
 */
export function knnCorrect(x: Tensor, labels: Tensor, k = KNN_K): [number, number] {
  const n = x.shape[0]!;
  if (n < 2) return [0, 0];
  const kk = Math.min(k, n - 1);
  return tidy(() => {
    const u = unit(x);
    const y = reshape(cast(labels, 'int64'), [-1]);
    // the neighbour of rank r (0: the nearest) votes 1 + 2^-(r+1): the count decides, and among classes of equal
    // count the one whose nearest member ranks first has the larger sum (2^-(r+1) exceeds all later ranks' together)
    const weights = toDevice(tensor(Array.from({ length: kk }, (_, r) => 1 + 2 ** -(r + 1)), [1, 1, kk]), x.device);
    const correct = sumOverBlocks(n, (start, rows) => {
      const nearest = topk(blockCosines(u, start, rows), kk, 1).indices;
      const votes = reshape(indexSelect(y, 0, reshape(nearest, [-1])), [rows, kk]);
      // per neighbour: the votes of its class, the sum over the neighbours holding it
      const support = sum(mul(cast(eq(unsqueeze(votes, 2), unsqueeze(votes, 1)), 'float32'), weights), 2);
      const predicted = gather(votes, 1, argmax(support, 1, true));
      return sum(eq(reshape(predicted, [-1]), narrow(y, 0, start, rows))).item();
    });
    return [correct, n];
  });
}

/**
 * Per batch [cosine sum, rows, labels' count, the student's vectors, the teacher's vectors (rows · D each), and the class labels
 * (rows) when they score the head]; over the split the mean cosine, nearest-neighbour agreement among every vector of
 * the split and, with labels, the student's k-NN accuracy among them.
 */
class EmbedMeter implements Meter {
  constructor(readonly scored: boolean) {}

  part(s: Tensor, t: Tensor, y: Tensor | null): Float64Array {
    return tidy(() => {
      const flat = (x: Tensor): Tensor => reshape(x, [x.shape[0]!, -1]);
      const [a, b] = [flat(s), flat(t)];
      const n = a.shape[0]!;
      const labels = this.scored && y ? n : 0;
      const out = new Float64Array(HEADER + 2 * a.numel + labels);
      out[0] = sum(callAten('cosine_similarity', '', a, b, 1, 1e-8)).item();
      out[1] = n;
      out[2] = labels;
      out.set(a.data() as Float32Array, HEADER);
      out.set(b.data() as Float32Array, HEADER + a.numel);
      if (labels) out.set(reshape(cast(y!, 'float32'), [-1]).data() as Float32Array, HEADER + 2 * a.numel);
      return out;
    });
  }

  result(parts: readonly Float64Array[]): ReturnType<Meter['result']> {
    let cosine = 0;
    let count = 0;
    for (const p of parts) {
      cosine += p[0]!;
      count += p[1]!;
    }
    const withLabels = this.scored && parts.every((p) => p[2]);
    // the student's vectors are gathered once, for both neighbour searches
    const [agree, rows, correct, labelled] = count
      ? tidy(() => {
          const student = vectors(parts, 0);
          return [...neighbourAgreement(student, vectors(parts, 1)), ...(withLabels ? knnCorrect(student, classLabels(parts)) : [0, 0])];
        })
      : [0, 0, 0, 0];
    const fidelity = { cosine: cosine / Math.max(1, count), neighbourAgreement: agree! / Math.max(1, rows!) };
    return withLabels ? { fidelity, task: { knnAccuracy: correct! / Math.max(1, labelled!) } } : { fidelity };
  }
}

/** A part's leading numbers: the cosine sum, its rows, and its labels' count (0 or the rows). */
const HEADER = 3;

/** A part's vector width D: the part holds two vectors per row, and the labels. */
const widthOf = (p: Float64Array): number => (p.length - HEADER - p[2]!) / 2 / p[1]!;

/** The parts' student (`which` 0) or teacher (1) vectors, [rows, D] float32. */
function vectors(parts: readonly Float64Array[], which: 0 | 1): Tensor {
  const rows = parts.reduce((n, p) => n + p[1]!, 0);
  const d = widthOf(parts.find((p) => p[1]! > 0)!);
  const out = new Float32Array(rows * d);
  let at = 0;
  for (const p of parts) {
    const size = p[1]! * d;
    out.set(p.subarray(HEADER + which * size, HEADER + (which + 1) * size), at);
    at += size;
  }
  return tensor(out, [rows, d]);
}

/** The parts' class labels, [rows] int64. */
function classLabels(parts: readonly Float64Array[]): Tensor {
  const out: number[] = [];
  for (const p of parts) out.push(...p.subarray(p.length - p[1]!));
  return cast(tensor(Float32Array.from(out), [out.length]), 'int64');
}
