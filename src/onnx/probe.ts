import { keep, tensor, tidy, zeros, type Tensor } from '../tensor/index.js';
import type { Node } from '../graph/index.js';
import { kernelFor, ruleShapes, SHAPE_ONLY } from '../exec/index.js';
import { evalNode, FOLDABLE, fromSmall, intsOf, toSmall, type Known, type Small } from './fold-eval.js';
import type { Draft } from './fold.js';

const isFloat = (d: string): boolean => d.startsWith('float') || d === 'bfloat16';

/**
 * One run of a draft graph at one batch, a node at a time, on zeros: what each value is (its shape, and its values
 * when it is small shape arithmetic) and its tensor while a later node still reads it. Callers run nodes in order,
 * may add constants and nodes as they go, and dispose the probe at the end.
 */
export class Probe {
  readonly known = new Map<string, Known>();
  private readonly values = new Map<string, Tensor>();
  private readonly uses = new Map<string, number>();
  /** Values computed from the inputs' data (zeros in a probe). */
  private readonly dataDep = new Set<string>();

  constructor(private readonly d: Draft, readonly batch: number, inputShapes: Readonly<Record<string, readonly number[]>>) {
    for (const [name, { data, fromConstant }] of d.inits) {
      // Float weights keep their values off the JS side (they are never shape arithmetic).
      const small = isFloat(data.dtype) && !fromConstant ? undefined : toSmall(data);
      this.known.set(name, { shape: data.shape, dtype: data.dtype, ...(small ? { small } : {}) });
    }
    for (const i of d.inputs) {
      const s = inputShapes[i.name];
      if (s) this.known.set(i.name, { shape: s, dtype: i.dtype });
      this.dataDep.add(i.name);
    }
    for (const n of d.nodes) for (const i of n.inputs) if (i) this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
  }

  /** Adds a constant (a rewritten shape) that the probe's draft holds among its initializers. */
  constant(name: string, s: Small): void {
    this.known.set(name, { shape: s.shape, dtype: s.dtype, small: s });
  }

  shape(name: string): readonly number[] | undefined {
    return this.known.get(name)?.shape;
  }

  small(name: string): Small | undefined {
    return this.known.get(name)?.small;
  }

  /**
   * Runs one node: in JS when it is small shape arithmetic, else on the engine. False when an input is unknown or no
   * kernel runs the op; throws what the kernel throws (a shape that does not fit).
   */
  run(node: Node): boolean {
    const ins = node.inputs.map((n) => (n ? this.known.get(n) : null));
    if (ins.some((k) => k === undefined)) return false;
    const dep = !SHAPE_ONLY.has(node.opType) && node.inputs.some((n) => n && this.dataDep.has(n));
    if (dep) for (const o of node.outputs) if (o) this.dataDep.add(o);
    if (node.domain === '' && FOLDABLE.has(node.opType)) {
      let r: Small[] | undefined;
      try {
        r = evalNode(node, ins as (Known | null)[], this.d.opset);
      } catch {
        r = undefined;
      }
      if (r) {
        node.outputs.forEach((o, k) => o && r![k] && this.known.set(o, { shape: r![k]!.shape, dtype: r![k]!.dtype, small: r![k]! }));
        return true;
      }
    }
    // Shapes alone from a rule where the values are those of zeros fed to the graph (see walkShapes).
    const rule = dep ? ruleShapes(node, ins as (Known | null)[], (k) => intsOf(ins[k])) : undefined;
    if (rule) {
      node.outputs.forEach((o, k) => {
        if (!o) return;
        this.known.set(o, { shape: rule[k]!.shape, dtype: rule[k]!.dtype });
        this.values.get(o)?.dispose();
        this.values.delete(o);
      });
      return true;
    }
    const kernel = node.domain === '' ? kernelFor(node.opType) : undefined;
    if (!kernel) return false;
    const inputs = node.inputs.map((n) => (n ? this.tensorOf(n) : null));
    const outs = tidy(() => kernel(inputs, { node, training: false, opset: this.d.opset }).map((t) => keep(t)));
    outs.forEach((t, k) => {
      const name = node.outputs[k];
      if (!name) return t.dispose();
      this.known.set(name, { shape: t.shape, dtype: t.dtype });
      this.values.get(name)?.dispose();
      this.values.set(name, t);
    });
    return true;
  }

  /** Frees the tensors that no node after this one reads. */
  release(node: Node): void {
    for (const i of node.inputs) {
      const left = this.uses.get(i);
      if (!i || left === undefined) continue;
      this.uses.set(i, left - 1);
      if (left - 1 === 0) {
        this.values.get(i)?.dispose();
        this.values.delete(i);
      }
    }
  }

  dispose(): void {
    for (const t of this.values.values()) t.dispose();
    this.values.clear();
  }

  private tensorOf(name: string): Tensor {
    let t = this.values.get(name);
    if (t) return t;
    const init = this.d.inits.get(name);
    const k = this.known.get(name)!;
    if (init) t = tensor(init.data.data, init.data.shape, init.data.dtype);
    else if (k.small) t = tensor(fromSmall(k.small).data, k.small.shape, k.small.dtype);
    else t = zeros([...k.shape], { dtype: k.dtype });
    keep(t);
    this.values.set(name, t);
    return t;
  }
}
