import { add, callAten, div, klDiv, logSoftmax, mean, mse, mul, neg, permute, reshape, sigmoid, softmax, square, std, type Tensor } from '../tensor/index.js';
import type { LossName, LossOptions } from './task.js';

// The distillation losses, each a mean over samples (or pixels, or channels) so that a batch's size does not scale it.

/** [N, K, ...] as rows of K classes: [N·pixels, K] (classes last), or the tensor itself when it is [N, K]. */
function classRows(t: Tensor): Tensor {
  if (t.rank === 2) return t;
  const k = t.shape[1]!;
  const order = [0, ...Array.from({ length: t.rank - 2 }, (_, i) => i + 2), 1];
  return reshape(permute(t, order), [-1, k]);
}

/** T²·KL(softmax(t/T) ‖ softmax(s/T)) per row of `rows`, averaged over the rows (Hinton's soft term). */
function softKl(s: Tensor, t: Tensor, { temperature: T, weight }: LossOptions): Tensor {
  return mul(klDiv(logSoftmax(div(s, T), 1), softmax(div(t, T), 1), { reduction: 'batchmean' }), weight * T * T);
}

/** Per-pixel KL for maps [N, K, H, W] (each pixel's class distribution), Hinton's KL for [N, K]. */
export const klLoss = (s: Tensor, t: Tensor, o: LossOptions): Tensor => softKl(classRows(s), classRows(t), o);

/**
 * Channel-wise distillation (Shu et al., 2021): each channel of a map [N, C, ...] as a distribution over its pixels,
 * T²·KL averaged over the N·C channels.
 */
export function cwdLoss(s: Tensor, t: Tensor, o: LossOptions): Tensor {
  const rows = (x: Tensor): Tensor => reshape(x, [x.shape[0]! * x.shape[1]!, -1]);
  return softKl(rows(s), rows(t), o);
}

/** MSE divided by the variance of the teacher's values in the batch, so that a target's scale does not set the loss's. */
export function normalizedMse(s: Tensor, t: Tensor): Tensor {
  return div(mse(s, t), add(square(std(t, undefined, false)), 1e-8));
}

/** 1 − the mean cosine similarity of each sample's values (flattened), plus the normalised MSE. */
export function cosineLoss(s: Tensor, t: Tensor): Tensor {
  const flat = (x: Tensor): Tensor => reshape(x, [x.shape[0]!, -1]);
  const cos = callAten('cosine_similarity', '', flat(s), flat(t), 1, 1e-8);
  return add(add(neg(mean(cos)), 1), normalizedMse(s, t));
}

/** Binary cross-entropy of the student's logits against the teacher's probabilities (sigmoid of its logits). */
export function bceLoss(s: Tensor, t: Tensor): Tensor {
  return callAten('binary_cross_entropy_with_logits', '', s, sigmoid(t), null, null, 1);
}

/**
 * The distillation loss by name times `o.weight`, on the values a head reads (logits before a final activation).
 * For kl on [N, K] it computes exactly what distillationLoss's soft term does (the weight folded into T²).
 */
export function distillLoss(name: LossName, s: Tensor, t: Tensor, o: LossOptions): Tensor {
  switch (name) {
    case 'kl': return klLoss(s, t, o);
    case 'cwd': return cwdLoss(s, t, o);
    case 'mse': return weighted(normalizedMse(s, t), o.weight);
    case 'cosine': return weighted(cosineLoss(s, t), o.weight);
    case 'bce': return weighted(bceLoss(s, t), o.weight);
  }
}

const weighted = (l: Tensor, w: number): Tensor => (w === 1 ? l : mul(l, w));
