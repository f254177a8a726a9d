import { resolvePrecision, setPrecision, type PrecisionChoice, type ResolvedPrecision } from '../tensor/index.js';
import type { DataParallel } from '../distill/index.js';

/**
 * Resolves a run's precision and sets it as the engine's for every forward pass that follows. A data-parallel run
 * computes in one precision on every rank: where `auto` resolved differently across ranks (machines with and without
 * bf16), all take fp32. Every rank must call it (a collective with `parallel`).
 */
export function startPrecision(choice: PrecisionChoice, device: string, parallel?: DataParallel): ResolvedPrecision & { restore: () => void } {
  let r = resolvePrecision(choice, device);
  if (parallel) {
    const [bf16] = parallel.sum([r.precision === 'bf16' ? 1 : 0]);
    if (bf16 !== 0 && bf16 !== parallel.worldSize) r = { precision: 'fp32', reason: `auto: ${parallel.worldSize - bf16!} of ${parallel.worldSize} ranks lack bf16` };
  }
  return { ...r, restore: setPrecision(r.precision, device) };
}
