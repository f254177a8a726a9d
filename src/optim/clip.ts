import { type Tensor, mulInto, noGrad, norm, stack } from '../tensor/index.js';

/**
 * Scales all gradients so that their joint L2 norm is at most maxNorm, as torch.nn.utils.clip_grad_norm_.
 * Returns the norm before clipping (NaN or Infinity when a gradient is not finite: callers should check).
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  return noGrad(() => {
    const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
    if (grads.length === 0) return 0;
    const norms = grads.map((g) => norm(g));
    const stacked = stack(norms);
    const totalT = norm(stacked);
    const total = totalT.item();
    for (const t of [...norms, stacked, totalT]) t.dispose();
    const coef = maxNorm / (total + 1e-6);
    if (coef < 1) for (const g of grads) mulInto(g, coef);
    for (const g of grads) g.dispose();
    return total;
  });
}
