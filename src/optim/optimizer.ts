import { clone, detach, keep, tidy, type Tensor } from '../tensor/index.js';

/** An optimizer steps the parameters it was given from their .grad; lr and momentum may change between steps. */
export interface Optimizer {
  lr: number;
  /** SGD's momentum, or AdamW's beta1 (what a one-cycle schedule cycles, as PyTorch's OneCycleLR does). */
  momentum: number;
  step(): void;
  /** Drops every parameter's gradient (set to none, as PyTorch 2's default). */
  zeroGrad(): void;
  /** The state a checkpoint needs (the live tensors, not copies; null entries are state not yet created). */
  exportState(): OptimizerState;
  /** Takes a state from exportState of an optimizer over parameters of the same shapes (the tensors are copied). */
  importState(s: OptimizerState): void;
  /** Frees the optimizer's state tensors. */
  dispose(): void;
}

/** An optimizer's step count and state tensors by name (e.g. `m.3` for the first moment of parameter 3). */
export type OptimizerState = { step: number; tensors: Record<string, Tensor> };

/** Names the non-null tensors of per-parameter state lists: { prefix.i: tensor }. */
export function namedState(lists: Record<string, readonly (Tensor | null)[]>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [prefix, list] of Object.entries(lists)) list.forEach((t, i) => { if (t) out[`${prefix}.${i}`] = t; });
  return out;
}

/** Fills per-parameter state lists from named tensors (copies; absent names stay null). */
export function loadNamedState(lists: Record<string, (Tensor | null)[]>, tensors: Record<string, Tensor>): void {
  for (const [prefix, list] of Object.entries(lists)) {
    for (let i = 0; i < list.length; i++) {
      list[i]?.dispose();
      const t = tensors[`${prefix}.${i}`];
      list[i] = t ? tidy(() => keep(clone(detach(t)))) : null;
    }
  }
}

export function dropGrads(params: readonly Tensor[]): void {
  for (const p of params) p.grad = null;
}
