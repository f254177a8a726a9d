import { argmax, callAten, cat, div, eq, fillInto, keep, matmul, narrow, norm, reshape, sum, tidy, transpose, type Tensor } from '../tensor/index.js';
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

/** The cosine sum and count, plus nearest-neighbour agreement over every vector seen (the split's, or a rank's share). */
class EmbedMeter implements Meter {
  #cosine = 0;
  #count = 0;
  #student: Tensor[] = [];
  #teacher: Tensor[] = [];

  add(s: Tensor, t: Tensor): void {
    const flat = (x: Tensor): Tensor => reshape(x, [x.shape[0]!, -1]);
    this.#cosine += sum(callAten('cosine_similarity', '', flat(s), flat(t), 1, 1e-8)).item();
    this.#count += s.shape[0]!;
    this.#student.push(keep(flat(s)));
    this.#teacher.push(keep(flat(t)));
  }

  sums(): number[] {
    const [agree, rows] = this.#student.length ? tidy(() => neighbourAgreement(cat(this.#student), cat(this.#teacher))) : [0, 0];
    for (const x of [...this.#student, ...this.#teacher]) x.dispose();
    this.#student = [];
    this.#teacher = [];
    return [this.#cosine, this.#count, agree, rows];
  }

  result([cosine = 0, count = 0, agree = 0, rows = 0]: readonly number[]): ReturnType<Meter['result']> {
    return { fidelity: { cosine: cosine / Math.max(1, count), neighbourAgreement: agree / Math.max(1, rows) } };
  }
}
