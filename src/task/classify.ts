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

/** Top-1 agreement with the teacher ([agree, count]) and, with labels, accuracy ([..., correct]). */
class ClassifyMeter implements Meter {
  #agree = 0;
  #correct = 0;
  #count = 0;
  constructor(readonly labelled: boolean) {}

  add(s: Tensor, t: Tensor, y: Tensor | null): void {
    const top = argmax(s, 1);
    this.#agree += sum(eq(top, argmax(t, 1))).item();
    if (this.labelled && y) this.#correct += sum(eq(top, y)).item();
    this.#count += s.shape[0]!;
  }

  sums(): number[] {
    return [this.#agree, this.#count, this.#correct];
  }

  result([agree = 0, count = 0, correct = 0]: readonly number[]): ReturnType<Meter['result']> {
    const n = Math.max(1, count);
    return { fidelity: { agreement: agree / n }, ...(this.labelled ? { task: { accuracy: correct / n } } : {}) };
  }
}
