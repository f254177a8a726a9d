import { type Tensor, add, addInto, mulInto, clone, noGrad, tidy, keep } from '../tensor/index.js';
import { type Optimizer, type OptimizerState, dropGrads, loadNamedState, namedState } from './optimizer.js';

export type SgdOptions = { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean };

/** Stochastic gradient descent with momentum, Nesterov and L2 weight decay, as torch.optim.SGD. */
export class Sgd implements Optimizer {
  lr: number;
  momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly #buffers: (Tensor | null)[];

  constructor(readonly params: readonly Tensor[], o: SgdOptions) {
    this.lr = o.lr;
    this.momentum = o.momentum ?? 0;
    this.dampening = o.dampening ?? 0;
    this.weightDecay = o.weightDecay ?? 0;
    this.nesterov = o.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw new Error('Sgd: Nesterov momentum requires a momentum and zero dampening');
    this.#buffers = params.map(() => null);
  }

  step(): void {
    noGrad(() => {
      this.params.forEach((p, i) => tidy(() => {
        const g = p.grad;
        if (!g) return;
        let d = this.weightDecay ? add(g, p, this.weightDecay) : g;
        if (this.momentum) {
          let buf = this.#buffers[i];
          if (!buf) buf = this.#buffers[i] = keep(clone(d));
          else addInto(mulInto(buf, this.momentum), d, 1 - this.dampening);
          d = this.nesterov ? add(d, buf, this.momentum) : buf;
        }
        addInto(p, d, -this.lr);
      }));
    });
  }

  /** The momentum buffers (null before the first step), for checkpoints. */
  get buffers(): readonly (Tensor | null)[] {
    return this.#buffers;
  }

  exportState(): OptimizerState {
    return { step: 0, tensors: namedState({ buf: this.#buffers }) };
  }

  importState(s: OptimizerState): void {
    loadNamedState({ buf: this.#buffers }, s.tensors);
  }

  zeroGrad(): void {
    dropGrads(this.params);
  }

  dispose(): void {
    for (const b of this.#buffers) b?.dispose();
    this.#buffers.fill(null);
  }
}
