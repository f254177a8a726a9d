import { type Tensor, noGrad, copyInto, keep } from '../tensor/index.js';

/**
 * A network built in code on the tensor API: named parameters (trained) and buffers (BatchNorm statistics),
 * named like PyTorch's state_dict (`layer1.0.conv1.weight`). Zoo models use it until they become graph-IR
 * models.
 */
export abstract class Module {
  protected readonly children: [string, Module][] = [];
  protected readonly params = new Map<string, Tensor>();
  protected readonly bufs = new Map<string, Tensor>();

  abstract forward(x: Tensor, training: boolean): Tensor;

  protected child<M extends Module>(name: string, m: M): M {
    this.children.push([name, m]);
    return m;
  }

  // A module owns its tensors: no enclosing tidy() may dispose them.
  protected param(name: string, t: Tensor): void {
    t.requiresGrad = true;
    this.params.set(name, keep(t));
  }

  protected buffer(name: string, t: Tensor): void {
    this.bufs.set(name, keep(t));
  }

  /** This module's own parameter or buffer by name. */
  protected get(name: string): Tensor {
    const t = this.params.get(name) ?? this.bufs.get(name);
    if (!t) throw new Error(`${this.constructor.name}: no tensor named '${name}'`);
    return t;
  }

  /**
   * Replaces every parameter and buffer with fn(tensor) (e.g. a channels-last or cuda copy) and disposes the
   * old ones; parameters keep requiring grad.
   */
  mapTensors(fn: (t: Tensor, name: string) => Tensor): void {
    for (const map of [this.params, this.bufs]) {
      for (const [name, t] of map) {
        const next = noGrad(() => fn(t, name));
        if (next === t) continue;
        if (map === this.params) next.requiresGrad = true;
        map.set(name, keep(next));
        t.dispose();
      }
    }
    for (const [, m] of this.children) m.mapTensors(fn);
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const own = [...this.params].map(([n, t]): [string, Tensor] => [prefix + n, t]);
    return own.concat(...this.children.map(([n, m]) => m.namedParameters(`${prefix}${n}.`)));
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const own = [...this.bufs].map(([n, t]): [string, Tensor] => [prefix + n, t]);
    return own.concat(...this.children.map(([n, m]) => m.namedBuffers(`${prefix}${n}.`)));
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Parameters and buffers by name. */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /** Copies values into this module's tensors by name; every name must exist with the same shape. */
  loadStateDict(state: Record<string, Tensor>): void {
    const mine = this.stateDict();
    noGrad(() => {
      for (const [name, src] of Object.entries(state)) {
        const dst = mine[name];
        if (!dst) throw new Error(`loadStateDict: no tensor named '${name}' in the model`);
        copyInto(dst, src);
      }
    });
  }

  parameterCount(): number {
    return this.parameters().reduce((n, t) => n + t.numel, 0);
  }

  dispose(): void {
    for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) t.dispose();
  }
}

/** Runs children in order. */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(layers: Module[]) {
    super();
    this.layers = layers.map((m, i) => this.child(String(i), m));
  }
  forward(x: Tensor, training: boolean): Tensor {
    let h = x;
    for (const m of this.layers) {
      const next = m.forward(h, training);
      if (h !== x) h.dispose();
      h = next;
    }
    return h;
  }
}
