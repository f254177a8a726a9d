import type { Tensor } from '../tensor.js';
import { call } from './call.js';

export type Reduction = 'none' | 'mean' | 'sum';
const red = (r: Reduction): number => ({ none: 0, mean: 1, sum: 2 })[r];

/** Cross-entropy of logits [N, C] against int64 class indices [N], with optional label smoothing. */
export const crossEntropy = (logits: Tensor, target: Tensor, o: { reduction?: Reduction; labelSmoothing?: number } = {}): Tensor =>
  call('cross_entropy_loss', '', logits, target, null, red(o.reduction ?? 'mean'), -100, o.labelSmoothing ?? 0);

/**
 * KL(target || input) with `input` as log-probabilities, as torch.nn.functional.kl_div; 'batchmean' divides
 * the sum by the batch size (the mathematically correct KL per sample).
 */
export function klDiv(input: Tensor, target: Tensor, o: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  const r = o.reduction ?? 'batchmean';
  if (r !== 'batchmean') return call('kl_div', '', input, target, red(r), o.logTarget ?? false);
  const s = call('kl_div', '', input, target, red('sum'), o.logTarget ?? false);
  const out = call('div', 'Scalar', s, input.shape[0] ?? 1);
  s.dispose();
  return out;
}

export const mse = (input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor => call('mse_loss', '', input, target, red(reduction));
