import { argmax, callAten, div, eq, fillInto, matmul, narrow, norm, reshape, sum, tensor, tidy, transpose, type Tensor } from '../tensor/index.js';
import type { Dim } from '../graph/index.js';
import type { Meter, Task } from './task.js';

/**
 * A vector per sample [N, D] (features, sentence or image embeddings): distilled by 1 − cosine plus normalised MSE,
 * scored by the mean cosine to the teacher's vector and nearest-neighbour agreement. It has no label loss.
 */
export const embed: Task = {
  name: 'embed',
  misfit: (shape: readonly Dim[]) => (shape.length === 2 ? null : `embed needs an output [N, D] (a vector per sample), got [${shape.join(', ')}]`),
  labelKind: null,
  defaultLoss: (activation) => (activation === 'sigmoid' ? 'bce' : 'cosine'),
  labelLoss: () => {
    throw new Error('embed: no label loss');
  },
  meter: () => new EmbedMeter(),
  fidelityMetric: 'cosine',
  taskMetric: null,
  cacheInBf16: false,
};

/** Rows scaled to unit length. */
const unit = (x: Tensor): Tensor => div(x, callAten('clamp_min', '', norm(x, 2, 1, true), 1e-12));

/**
 * The share of rows whose nearest neighbour (by cosine, among the other rows) is the same row in `a` as in `b`:
 * [agreeing rows, rows], in blocks of 1024 rows.
 */
export function neighbourAgreement(a: Tensor, b: Tensor): [number, number] {
  const n = a.shape[0]!;
  if (n < 2) return [0, 0];
  let agree = 0;
  const ua = unit(a);
  const ub = unit(b);
  for (let start = 0; start < n; start += 1024) {
    const rows = Math.min(1024, n - start);
    agree += tidy(() => {
      const nearest = (u: Tensor): Tensor => {
        const sim = matmul(narrow(u, 0, start, rows), transpose(u, 0, 1));
        // a row is not its own neighbour: -inf on the block's diagonal, written through the view into sim
        fillInto(callAten('diagonal', '', narrow(sim, 1, start, rows), 0, 0, 1), -Infinity);
        return argmax(sim, 1);
      };
      return sum(eq(nearest(ua), nearest(ub))).item();
    });
  }
  ua.dispose();
  ub.dispose();
  return [agree, n];
}

/**
 * Per batch [cosine sum, rows, the student's vectors, the teacher's vectors] (rows · D each); over the split the mean
 * cosine, and nearest-neighbour agreement among every vector of the split.
 */
class EmbedMeter implements Meter {
  part(s: Tensor, t: Tensor): Float64Array {
    return tidy(() => {
      const flat = (x: Tensor): Tensor => reshape(x, [x.shape[0]!, -1]);
      const [a, b] = [flat(s), flat(t)];
      const n = a.shape[0]!;
      const out = new Float64Array(2 + 2 * a.numel);
      out[0] = sum(callAten('cosine_similarity', '', a, b, 1, 1e-8)).item();
      out[1] = n;
      out.set(a.data() as Float32Array, 2);
      out.set(b.data() as Float32Array, 2 + a.numel);
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
    const [agree, rows] = count ? tidy(() => neighbourAgreement(vectors(parts, 0), vectors(parts, 1))) : [0, 0];
    return { fidelity: { cosine: cosine / Math.max(1, count), neighbourAgreement: agree / Math.max(1, rows) } };
  }
}

/** The parts' student (`which` 0) or teacher (1) vectors, [rows, D] float32. */
function vectors(parts: readonly Float64Array[], which: 0 | 1): Tensor {
  const rows = parts.reduce((n, p) => n + p[1]!, 0);
  const d = (parts[0]!.length - 2) / 2 / parts[0]![1]!;
  const out = new Float32Array(rows * d);
  let at = 0;
  for (const p of parts) {
    const size = p[1]! * d;
    out.set(p.subarray(2 + which * size, 2 + (which + 1) * size), at);
    at += size;
  }
  return tensor(out, [rows, d]);
}
