import { cast, keep, mul, reshape, square, sub, sum, tidy, type Tensor } from '../tensor/index.js';
import { accumulate } from './segment.js';
import { normalizedMse } from './losses.js';
import { scoresWithLabels, type Meter, type Task } from './task.js';

/**
 * Any other tensor (scores, boxes, keypoints, maps, several outputs): distilled by MSE normalised by the teacher's
 * variance (BCE for sigmoid outputs), trained on target tensors by the same normalised MSE, scored by R² and the
 * relative MSE against the teacher and, with targets, R² against them.
 */
export const regress: Task = {
  name: 'regress',
  misfit: () => null,
  labelKind: 'tensor',
  scoredBy: null,
  defaultLoss: (activation) => (activation === 'sigmoid' ? 'bce' : 'mse'),
  labelLoss: (s, y) => normalizedMse(s, reshape(cast(y, 'float32'), s.shape)),
  meter: (head) => new RegressMeter(scoresWithLabels(head)),
  fidelityMetric: 'r2',
  taskMetric: 'r2',
  cacheInBf16: false,
};

/**
 * Per value position (each element of a sample's output) over the samples: the sums [Σt, Σt², Σ(s−t)²] and the
 * count, in float64. R² = 1 − Σ(s−t)² / Σ(t − mean t)² with the mean per position (sklearn's variance-weighted R²);
 * relative MSE = Σ(s−t)² / Σt².
 */
class Moments {
  #t: Tensor | null = null;
  #t2: Tensor | null = null;
  #err: Tensor | null = null;
  count = 0;

  add(s: Tensor, t: Tensor): void {
    const [ts, tt, te] = tidy(() => {
      const flat = (x: Tensor): Tensor => cast(reshape(x, [x.shape[0]!, -1]), 'float64');
      const a = flat(s);
      const b = flat(t);
      return [keep(sum(b, 0)), keep(sum(square(b), 0)), keep(sum(square(sub(a, b)), 0))];
    });
    this.#t = accumulate(this.#t, ts!);
    this.#t2 = accumulate(this.#t2, tt!);
    this.#err = accumulate(this.#err, te!);
    this.count += s.shape[0]!;
  }

  /** [count, Σ(s−t)², Σ(t − mean)², Σt²] totals (the per-position moments folded; a rank's moments are its own). */
  totals(): number[] {
    if (!this.#t) return [0, 0, 0, 0];
    const n = this.count;
    const out = tidy(() => {
      const t = this.#t!;
      const t2 = this.#t2!;
      const ss = sum(sub(t2, mul(square(t), 1 / n))).item();
      return [n, sum(this.#err!).item(), ss, sum(t2).item()];
    });
    for (const x of [this.#t, this.#t2, this.#err]) x?.dispose();
    this.#t = this.#t2 = this.#err = null;
    return out;
  }
}

/** R² and relative MSE from Moments totals. */
function fit([, err = 0, ss = 0, power = 0]: readonly number[]): { r2: number; relativeMse: number } {
  return { r2: ss > 0 ? 1 - err / ss : 0, relativeMse: power > 0 ? err / power : 0 };
}

class RegressMeter implements Meter {
  readonly #teacher = new Moments();
  readonly #labels = new Moments();
  constructor(readonly labelled: boolean) {}

  add(s: Tensor, t: Tensor, y: Tensor | null): void {
    this.#teacher.add(s, t);
    if (this.labelled && y) this.#labels.add(s, tidy(() => reshape(cast(y, 'float32'), s.shape)));
  }

  sums(): number[] {
    return [...this.#teacher.totals(), ...(this.labelled ? this.#labels.totals() : [])];
  }

  result(sums: readonly number[]): ReturnType<Meter['result']> {
    const teacher = fit(sums.slice(0, 4));
    const labels = fit(sums.slice(4, 8));
    return { fidelity: teacher, ...(this.labelled ? { task: { r2: labels.r2 } } : {}) };
  }
}
