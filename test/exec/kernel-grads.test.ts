// Imported graphs are trained, so the new kernels must carry gradients: for each, the backward pass of
// L = sum(out * w) (fixed w) against central differences in float64, through the executor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { int, ints, string, type Attrs } from '../../src/graph/index.js';
import { runGraph } from '../../src/exec/index.js';
import { mul, noGrad, sum, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { i64, nodeGraph } from './run-node.js';

const EPS = 1e-6;

function seq(n: number, seed: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  });
}

/** Loss of one node with its first input set to `x` (other inputs fixed); the gradient wrt x when asked. */
function loss(op: string, attrs: Attrs, x: Float64Array, shape: number[], rest: (() => Tensor | null)[], withGrad: boolean): { value: number; grad: number[] | null } {
  return tidy(() => {
    const xt = tensor(x, shape, 'float64');
    if (withGrad) xt.requiresGrad = true;
    const { g, feeds } = nodeGraph(op, [xt, ...rest.map((f) => f())], attrs, { opset: 18 });
    const run = (): Tensor => {
      const y = runGraph(g, feeds)['out0']!;
      return sum(mul(y, tensor(seq(y.numel, 7), y.shape, 'float64')));
    };
    if (!withGrad) return { value: noGrad(run).item(), grad: null };
    const l = run();
    l.backward();
    return { value: l.item(), grad: xt.grad!.toArray() };
  });
}

const f64 = (shape: number[], seed = 3) => (): Tensor => tensor(seq(shape.reduce((a, b) => a * b, 1), seed), shape, 'float64');

const CASES: { name: string; op: string; shape: number[]; attrs?: Attrs; rest?: (() => Tensor | null)[] }[] = [
  { name: 'ConvTranspose, asymmetric pads (crop path)', op: 'ConvTranspose', shape: [1, 2, 3, 3], attrs: { strides: ints([2, 2]), pads: ints([1, 0, 0, 2]) }, rest: [f64([2, 1, 3, 3])] },
  { name: 'Pad reflect on the channel axis', op: 'Pad', shape: [1, 3, 2, 2], attrs: { mode: string('reflect') }, rest: [() => i64([0, 2, 0, 1, 0, 1, 0, 0])] },
  { name: 'Slice with a negative step', op: 'Slice', shape: [5, 3], rest: [() => i64([4]), () => i64([0]), () => i64([0]), () => i64([-2])] },
  { name: 'Gather with negative indices', op: 'Gather', shape: [4, 3], attrs: { axis: int(0) }, rest: [() => i64([-1, 0, -1])] },
  { name: 'Expand', op: 'Expand', shape: [3, 1], rest: [() => i64([2, 3, 4])] },
  { name: 'LayerNormalization', op: 'LayerNormalization', shape: [2, 3, 4], attrs: { axis: int(1) }, rest: [f64([3, 4], 5), f64([3, 4], 6)] },
  { name: 'AveragePool, asymmetric pads, count_include_pad=0', op: 'AveragePool', shape: [1, 1, 4, 5], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 0, 0, 2]) } },
  { name: 'MaxPool, pads over half the kernel', op: 'MaxPool', shape: [1, 1, 4, 4], attrs: { kernel_shape: ints([2, 2]), pads: ints([1, 1, 1, 1]) } },
  { name: 'Pow with a tensor exponent', op: 'Pow', shape: [4], rest: [f64([4], 9)] },
];

for (const c of CASES) {
  test(`gradient of ${c.name}`, () => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    // Pow needs a positive base for a real result.
    const x = c.op === 'Pow' ? seq(n, 11).map((v) => v + 1) : seq(n, 11);
    const analytic = loss(c.op, c.attrs ?? {}, x, c.shape, c.rest ?? [], true).grad!;
    const numeric = Array.from({ length: n }, (_, i) => {
      const up = Float64Array.from(x);
      const down = Float64Array.from(x);
      up[i]! += EPS;
      down[i]! -= EPS;
      return (loss(c.op, c.attrs ?? {}, up, c.shape, c.rest ?? [], false).value - loss(c.op, c.attrs ?? {}, down, c.shape, c.rest ?? [], false).value) / (2 * EPS);
    });
    assert.equal(analytic.length, n);
    assertClose(analytic, numeric, { atol: 1e-5, rtol: 1e-5, what: `d L / d x of ${c.op}` });
  });
}
