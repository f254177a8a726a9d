import { argmax, crossEntropy, eq, sum, type Tensor } from '../tensor/index.js';
import type { Dim } from '../graph/index.js';
import { scoresWithLabels, type Meter, type Task } from './task.js';

/** Class logits [N, K]: distilled by T²·KL, trained on class ids by cross-entropy, scored by top-1 agreement and accuracy. */
export const classify: Task = {
  name: 'classify',
  misfit: (shape: readonly Dim[]) => (shape.length === 2 ? null : `classify needs an output [N, K] (class logits), got [${shape.join(', ')}]`),
  labelKind: 'class',
  scoredBy: null,
  defaultLoss: (activation) => (activation === 'sigmoid' ? 'bce' : 'kl'),
  labelLoss: (s, y) => crossEntropy(s, y),
  meter: (head) => new ClassifyMeter(scoresWithLabels(head)),
  fidelityMetric: 'agreement',
  taskMetric: 'accuracy',
  cacheInBf16: true,
};

/** Per batch [agree, count, correct]: top-1 agreement with the teacher and, with labels, accuracy. */
class ClassifyMeter implements Meter {
  constructor(readonly labelled: boolean) {}

  part(s: Tensor, t: Tensor, y: Tensor | null): Float64Array {
    const top = argmax(s, 1);
    return Float64Array.of(sum(eq(top, argmax(t, 1))).item(), s.shape[0]!, this.labelled && y ? sum(eq(top, y)).item() : 0);
  }

  result(parts: readonly Float64Array[]): ReturnType<Meter['result']> {
    const [agree = 0, count = 0, correct = 0] = addUp(parts, 3);
    const n = Math.max(1, count);
    return { fidelity: { agreement: agree / n }, ...(this.labelled ? { task: { accuracy: correct / n } } : {}) };
  }
}

/** The element-wise sum of equal-length parts, added in order. */
export function addUp(parts: readonly Float64Array[], length: number): Float64Array {
  const total = new Float64Array(length);
  for (const p of parts) for (let i = 0; i < length; i++) total[i] += p[i]!;
  return total;
}
