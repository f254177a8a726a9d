import { cast, mul, reshape, square, sub, sum, tensor, tidy, type Tensor } from '../tensor/index.js';
import { addUp } from './classify.js';
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
 * Per value position (each element of a sample's output) over a batch's samples: [count, Σt, Σt², Σ(s−t)²], the
 * sums in float64 (P positions each: 1 + 3P numbers). Over the split they are added batch after batch; then R² =
 * 1 − Σ(s−t)² / Σ(t − mean t)² with the mean per position (sklearn's variance-weighted R²), relative MSE = Σ(s−t)² / Σt².
 */
function moments(s: Tensor, t: Tensor): Float64Array {
  return tidy(() => {
    const flat = (x: Tensor): Tensor => cast(reshape(x, [x.shape[0]!, -1]), 'float64');
    const a = flat(s);
    const b = flat(t);
    const positions = b.shape[1]!;
    const out = new Float64Array(1 + 3 * positions);
    out[0] = s.shape[0]!;
    [sum(b, 0), sum(square(b), 0), sum(square(sub(a, b)), 0)].forEach((m, i) => out.set(m.data() as Float64Array, 1 + i * positions));
    return out;
  });
}

/** R² and relative MSE from the moments' parts, added in order. */
function fit(parts: readonly Float64Array[]): { r2: number; relativeMse: number } {
  const length = parts.reduce((n, p) => Math.max(n, p.length), 0);
  if (!length) return { r2: 0, relativeMse: 0 };
  const total = addUp(parts, length);
  const n = total[0]!;
  const positions = (length - 1) / 3;
  const [err, ss, power] = tidy(() => {
    const at = (i: number): Tensor => tensor(total.slice(1 + i * positions, 1 + (i + 1) * positions), [positions], 'float64');
    const t = at(0);
    const t2 = at(1);
    return [sum(at(2)).item(), sum(sub(t2, mul(square(t), 1 / n))).item(), sum(t2).item()];
  });
  return { r2: ss! > 0 ? 1 - err! / ss! : 0, relativeMse: power! > 0 ? err! / power! : 0 };
}

/** Per batch, the moments against the teacher and, with targets, against them (the second half). */
class RegressMeter implements Meter {
  constructor(readonly labelled: boolean) {}

  part(s: Tensor, t: Tensor, y: Tensor | null): Float64Array {
    const teacher = moments(s, t);
    if (!this.labelled) return teacher;
    const labels = y ? moments(s, tidy(() => reshape(cast(y, 'float32'), s.shape))) : new Float64Array(teacher.length);
    const out = new Float64Array(2 * teacher.length);
    out.set(teacher);
    out.set(labels, teacher.length);
    return out;
  }

  result(parts: readonly Float64Array[]): ReturnType<Meter['result']> {
    const half = (second: boolean): readonly Float64Array[] => (this.labelled ? parts.map((p) => (second ? p.subarray(p.length / 2) : p.subarray(0, p.length / 2))) : parts);
    return { fidelity: fit(half(false)), ...(this.labelled ? { task: { r2: fit(half(true)).r2 } } : {}) };
  }
}
