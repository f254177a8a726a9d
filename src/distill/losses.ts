import { add, crossEntropy, div, klDiv, logSoftmax, mul, softmax, type Tensor } from '../tensor/index.js';

export type DistillLossOptions = { temperature: number; alpha: number };

/**
 * Hinton's distillation loss: alpha * T^2 * KL(softmax(t/T) || softmax(s/T)) + (1 - alpha) * CE(s, y), with KL
 * averaged per sample (batchmean). T^2 keeps the soft term's gradients on the scale of the hard term's.
 */
export function distillationLoss(student: Tensor, teacher: Tensor, labels: Tensor, { temperature: T, alpha }: DistillLossOptions): Tensor {
  const soft = mul(klDiv(logSoftmax(div(student, T), 1), softmax(div(teacher, T), 1), { reduction: 'batchmean' }), alpha * T * T);
  if (alpha >= 1) return soft;
  return add(soft, mul(crossEntropy(student, labels), 1 - alpha));
}
