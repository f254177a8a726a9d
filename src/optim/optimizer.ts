import type { Tensor } from '../tensor/index.js';

/** An optimizer steps the parameters it was given from their .grad; lr may change between steps. */
export interface Optimizer {
  lr: number;
  step(): void;
  /** Drops every parameter's gradient (set to none, as PyTorch 2's default). */
  zeroGrad(): void;
  /** Frees the optimizer's state tensors. */
  dispose(): void;
}

export function dropGrads(params: readonly Tensor[]): void {
  for (const p of params) p.grad = null;
}
