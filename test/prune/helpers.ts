// Shared pieces of the pruning tests: hand-built graphs, realistic BN statistics, and the zeroing equivalence check.
import assert from 'node:assert/strict';
import { keep, noGrad, rand, randn, tensor, tidy, add, mul, type Tensor } from '../../src/tensor/index.js';
import { Graph, float, int, ints, type Initializer, type InitializerKind } from '../../src/graph/index.js';
import { runGraph } from '../../src/exec/index.js';
import { zeroRemovedChannels, type PruneResult } from '../../src/prune/index.js';
import { assertClose } from '../helpers/assert-close.js';

/** A copy of `g`'s parts with extra initializers (constants for Reshape/Split/Slice, weights the builder lacks). */
export function withInits(g: Graph, extra: Record<string, { tensor: Tensor; kind: InitializerKind }>): Graph {
  const inits = new Map<string, Initializer>(g.initializers);
  for (const [name, it] of Object.entries(extra)) inits.set(name, { tensor: keep(it.tensor), kind: it.kind });
  return new Graph({ name: g.name, inputs: g.inputs, outputs: g.outputs, nodes: [...g.nodes], initializers: inits, opset: g.opset });
}

export const int64 = (values: number[]): { tensor: Tensor; kind: InitializerKind } => ({ tensor: tensor(values, [values.length], 'int64'), kind: 'constant' });
export const param = (shape: number[]): { tensor: Tensor; kind: InitializerKind } => {
  const t = noGrad(() => tidy(() => keep(mul(add(rand(shape), -0.5), 0.6))));
  t.requiresGrad = true;
  return { tensor: t, kind: 'param' };
};

/** Gives every BatchNorm random scale, shift and running statistics, so zeroed channels are not zero by accident. */
export function randomizeNorms(g: Graph): void {
  noGrad(() => {
    for (const n of g.nodes) {
      if (n.opType !== 'BatchNormalization') continue;
      const [, w, b, m, v] = n.inputs as [string, string, string, string, string];
      const c = g.initializers.get(w)!.tensor.shape;
      g.setTensor(w, tidy(() => keep(add(rand(c), 0.5))));
      g.setTensor(b, tidy(() => keep(mul(randn(c), 0.2))));
      g.setTensor(m, tidy(() => keep(mul(randn(c), 0.2))));
      g.setTensor(v, tidy(() => keep(add(rand(c), 0.5))));
    }
  });
}

/**
 * The correctness property: the pruned graph computes what the original computes with the removed channels zeroed
 * (eval mode, random input), to 1e-4; the output shape is unchanged; and something was in fact removed.
 */
export function assertEquivalent(r: PruneResult, input: readonly number[], original: Graph): void {
  assert.ok(Object.keys(r.removed).length > 0, 'nothing was removed');
  const zeroed = zeroRemovedChannels(r.plan);
  try {
    tidy(() => {
      const x = randn([3, ...input]);
      const out = original.outputs[0]!.name;
      const a = runGraph(r.graph, { input: x })[out]!;
      const b = runGraph(zeroed, { input: x })[out]!;
      const c = runGraph(original, { input: x })[out]!;
      assert.deepEqual(a.shape, c.shape, 'output shape changed');
      assertClose(a, b.toArray(), { atol: 1e-4, rtol: 1e-4, what: 'pruned vs zeroed original' });
    });
  } finally {
    zeroed.dispose();
  }
}

/** A minimal graph writer for shapes GraphBuilder does not make (multi-output Split, constants, ConvTranspose). */
export class Net {
  readonly nodes: { name: string; opType: string; domain: string; inputs: string[]; outputs: string[]; attrs: Record<string, import('../../src/graph/index.js').Attr> }[] = [];
  readonly inits: Record<string, { tensor: Tensor; kind: InitializerKind }> = {};
  #k = 0;
  constructor(readonly input: readonly number[]) {}

  n(opType: string, inputs: string[], attrs: Record<string, import('../../src/graph/index.js').Attr> = {}, outputs?: string[], name?: string): string {
    const id = name ?? `${opType.toLowerCase()}_${this.#k++}`;
    this.nodes.push({ name: id, opType, domain: '', inputs, outputs: outputs ?? [id], attrs });
    return outputs?.[0] ?? id;
  }

  conv(x: string, cin: number, cout: number, k: number, name: string, o: { group?: number; bias?: boolean; transpose?: boolean } = {}): string {
    const group = o.group ?? 1;
    this.inits[`${name}.weight`] = param(o.transpose ? [cin, cout, k, k] : [cout, cin / group, k, k]);
    const ins = [x, `${name}.weight`];
    if (o.bias !== false) (this.inits[`${name}.bias`] = param([cout])), ins.push(`${name}.bias`);
    const p = o.transpose ? 0 : (k - 1) / 2;
    const attrs = { kernel_shape: ints([k, k]), pads: ints([p, p, p, p]), strides: ints([1, 1]), group: int(group) };
    return this.n(o.transpose ? 'ConvTranspose' : 'Conv', ins, attrs, undefined, name);
  }

  linear(x: string, cin: number, cout: number, name: string): string {
    this.inits[`${name}.weight`] = param([cout, cin]);
    this.inits[`${name}.bias`] = param([cout]);
    return this.n('Gemm', [x, `${name}.weight`, `${name}.bias`], { transB: int(1) }, undefined, name);
  }

  constant(name: string, values: number[]): string {
    this.inits[name] = int64(values);
    return name;
  }

  /** A float scalar constant. */
  scalar(name: string, v: number): string {
    this.inits[name] = { tensor: tensor([v], []), kind: 'constant' };
    return name;
  }

  /** x @ W + b with W [cin, cout] on the last axis (torch's Linear as exported on a rank-4 input). */
  matmul(x: string, cin: number, cout: number, name: string): string {
    this.inits[`${name}.weight`] = param([cin, cout]);
    this.inits[`${name}.bias`] = param([cout]);
    return this.n('Add', [this.n('MatMul', [x, `${name}.weight`], {}, undefined, name), `${name}.bias`]);
  }

  /**
   * LayerNorm over the last axis with scale and bias [c]: the LayerNormalization op (opset 17), or the steps that
   * torch.onnx.export writes below opset 17 (ReduceMean, Sub, Pow, ReduceMean, Add eps, Sqrt, Div, Mul, Add).
   */
  layerNorm(x: string, c: number, name: string, op = false): string {
    this.inits[`${name}.weight`] = { tensor: noGrad(() => tidy(() => keep(add(rand([c]), 0.5)))), kind: 'param' };
    this.inits[`${name}.bias`] = param([c]);
    if (op) return this.n('LayerNormalization', [x, `${name}.weight`, `${name}.bias`], { axis: int(-1), epsilon: float(1e-5) }, undefined, name);
    const mean = this.n('ReduceMean', [x], { axes: ints([-1]), keepdims: int(1) });
    const d = this.n('Sub', [x, mean]);
    const v = this.n('ReduceMean', [this.n('Pow', [d, this.scalar(`${name}.two`, 2)])], { axes: ints([-1]), keepdims: int(1) });
    const y = this.n('Div', [d, this.n('Sqrt', [this.n('Add', [v, this.scalar(`${name}.eps`, 1e-5)])])]);
    return this.n('Add', [this.n('Mul', [y, `${name}.weight`]), `${name}.bias`]);
  }

  /** Ends with GAP, Flatten and a Gemm to `classes` named 'fc' whose output is 'output'. */
  build(h: string, c: number, classes = 5, opset = 13): Graph {
    const f = this.n('Flatten', [this.n('GlobalAveragePool', [h])], { axis: int(1) });
    this.inits['fc.weight'] = param([classes, c]);
    this.n('Gemm', [f, 'fc.weight'], { transB: int(1) }, ['output'], 'fc');
    const inits = new Map<string, Initializer>();
    for (const [k, v] of Object.entries(this.inits)) inits.set(k, { tensor: keep(v.tensor), kind: v.kind });
    return new Graph({ inputs: [{ name: 'input', dtype: 'float32', shape: ['N', ...this.input] }], outputs: [{ name: 'output', dtype: 'float32', shape: ['N', classes] }], nodes: this.nodes, initializers: inits, opset });
  }
}
