// x * Sigmoid(x) and x * HardSigmoid(x) (PyTorch's SiLU, and its Hardswish before opset 14) run as silu and hardswish
// when nothing else reads the gate; the values and gradients are those of the pair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, float, type Attrs, type Node } from '../../src/graph/index.js';
import { runGraph } from '../../src/exec/index.js';
import { fusedGates } from '../../src/exec/fusion.js';
import { sum, tensor, tidy } from '../../src/tensor/index.js';
import { assertClose } from '../helpers/assert-close.js';

const TORCH_HS: Attrs = { alpha: float(Math.fround(1 / 6)), beta: float(0.5) };

/** y = x * gate(x) (operands in either order); `extra` adds a second reader of the gate (y2 = gate + x). */
function gateGraph(gate: string, attrs: Attrs, o: { swap?: boolean; extra?: boolean } = {}): Graph {
  const nodes: Node[] = [
    { name: 'gate', opType: gate, domain: '', inputs: ['x'], outputs: ['s'], attrs },
    { name: 'mul', opType: 'Mul', domain: '', inputs: o.swap ? ['s', 'x'] : ['x', 's'], outputs: ['y'], attrs: {} },
  ];
  if (o.extra) nodes.push({ name: 'add', opType: 'Add', domain: '', inputs: ['s', 'x'], outputs: ['y2'], attrs: {} });
  return new Graph({
    inputs: [{ name: 'x', dtype: 'float32', shape: [6] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: null }, ...(o.extra ? [{ name: 'y2', dtype: 'float32' as const, shape: null }] : [])],
    nodes,
    initializers: new Map(),
    opset: 13,
  });
}

const X = [-4, -3, -1, 0, 1.5, 4];
const sig = (v: number): number => 1 / (1 + Math.exp(-v));
const hs = (v: number): number => Math.min(Math.max(v / 6 + 0.5, 0), 1);
/** d(x * sigmoid(x))/dx. */
const siluGrad = (v: number): number => sig(v) * (1 + v * (1 - sig(v)));

function valueAndGrad(g: Graph, extraOutputs: string[] = []): { y: number[]; dx: number[]; extra: Record<string, number[]> } {
  return tidy(() => {
    const x = tensor(X, [X.length], 'float32');
    x.requiresGrad = true;
    const out = runGraph(g, { x }, { training: true, extraOutputs });
    sum(out['y']!).backward();
    const extra = Object.fromEntries(extraOutputs.map((n) => [n, out[n]!.toArray()]));
    return { y: out['y']!.toArray(), dx: x.grad!.toArray(), extra };
  });
}

test('x * Sigmoid(x), in either operand order, is fused and gives SiLU and its gradient', () => {
  for (const swap of [false, true]) {
    const g = gateGraph('Sigmoid', {}, { swap });
    assert.equal(fusedGates(g, new Map([['x', 2], ['s', 1]]), new Set(['y'])).size, 1);
    const r = valueAndGrad(g);
    assertClose(r.y, X.map((v) => v * sig(v)), { atol: 1e-6 });
    assertClose(r.dx, X.map(siluGrad), { atol: 1e-6 });
  }
});

test("x * HardSigmoid(x) with PyTorch's attributes is fused and gives hardswish; other attributes are not fused", () => {
  const g = gateGraph('HardSigmoid', TORCH_HS);
  assert.equal(fusedGates(g, new Map([['x', 2], ['s', 1]]), new Set(['y'])).size, 1);
  const r = valueAndGrad(g);
  assertClose(r.y, X.map((v) => v * hs(v)), { atol: 1e-6 });
  // F.hardswish's gradient in torch 1.13: 0 below -3, x/3 + 1/2 on [-3, 3] (so -0.5 at -3, where the pair gives 0), 1 above
  assertClose(r.dx, [0, -0.5, 1 / 6, 0.5, 1, 1], { atol: 1e-6 });
  const other = gateGraph('HardSigmoid', { alpha: float(0.2), beta: float(0.5) });
  assert.equal(fusedGates(other, new Map([['x', 2], ['s', 1]]), new Set(['y'])).size, 0);
  assertClose(valueAndGrad(other).y, X.map((v) => v * Math.min(Math.max(0.2 * v + 0.5, 0), 1)), { atol: 1e-6 });
});

test('a gate that something else reads, or that is asked for, is computed as it is', () => {
  const shared = gateGraph('Sigmoid', {}, { extra: true });
  assert.equal(fusedGates(shared, new Map([['x', 3], ['s', 2]]), new Set(['y', 'y2'])).size, 0);
  const asked = valueAndGrad(gateGraph('Sigmoid', {}), ['s']);
  assertClose(asked.extra['s']!, X.map(sig), { atol: 1e-6 });
  assertClose(asked.y, X.map((v) => v * sig(v)), { atol: 1e-6 });
});
