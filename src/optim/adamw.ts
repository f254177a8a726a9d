import { type Tensor, addcdivInto, addcmulInto, addScalarInto, lerpInto, mulInto, sqrt, zerosLike, noGrad, div, tidy, keep } from '../tensor/index.js';
import { type Optimizer, type OptimizerState, dropGrads, loadNamedState, namedState } from './optimizer.js';

export type AdamWOptions = { lr: number; betas?: [number, number]; eps?: number; weightDecay?: number };

/** Adam with decoupled weight decay, as torch.optim.AdamW (weight decay default 0.01). */
export class AdamW implements Optimizer {
  lr: number;
  betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  #t = 0;
  readonly #m: (Tensor | null)[];
  readonly #v: (Tensor | null)[];

  constructor(readonly params: readonly Tensor[], o: AdamWOptions) {
    this.lr = o.lr;
    this.betas = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0.01;
    this.#m = params.map(() => null);
    this.#v = params.map(() => null);
  }

  get momentum(): number {
    return this.betas[0];
  }

  set momentum(beta1: number) {
    this.betas = [beta1, this.betas[1]];
  }

  step(): void {
    this.#t++;
    const [b1, b2] = this.betas;
    const c1 = 1 - b1 ** this.#t;
    const c2 = 1 - b2 ** this.#t;
    noGrad(() => {
      this.params.forEach((p, i) => tidy(() => {
        const g = p.grad;
        if (!g) return;
        if (this.weightDecay) mulInto(p, 1 - this.lr * this.weightDecay);
        const m = (this.#m[i] ??= keep(zerosLike(p)));
        const v = (this.#v[i] ??= keep(zerosLike(p)));
        lerpInto(m, g, 1 - b1);
        addcmulInto(mulInto(v, b2), g, g, 1 - b2);
        const denom = addScalarInto(div(sqrt(v), Math.sqrt(c2)), this.eps);
        addcdivInto(p, m, denom, -this.lr / c1);
      }));
    });
  }

  /** Steps taken, and the first and second moment estimates, for checkpoints. */
  get state(): { step: number; m: readonly (Tensor | null)[]; v: readonly (Tensor | null)[] } {
    return { step: this.#t, m: this.#m, v: this.#v };
  }

  exportState(): OptimizerState {
    return { step: this.#t, tensors: namedState({ m: this.#m, v: this.#v }) };
  }

  importState(s: OptimizerState): void {
    this.#t = s.step;
    loadNamedState({ m: this.#m, v: this.#v }, s.tensors);
  }

  zeroGrad(): void {
    dropGrads(this.params);
  }

  dispose(): void {
    for (const t of [...this.#m, ...this.#v]) t?.dispose();
    this.#m.fill(null);
    this.#v.fill(null);
  }
}
