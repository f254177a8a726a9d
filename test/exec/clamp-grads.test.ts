// The clamping kernels run as PyTorch's modules that export to them (ReLU6 → Clip, F.hardsigmoid → HardSigmoid), so
// imported MobileNets train with PyTorch's gradients, which are zero at the exact bounds (values from torch 1.13).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float, type Attrs } from '../../src/graph/index.js';
import { runGraph } from '../../src/exec/index.js';
import { sum, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { nodeGraph } from './run-node.js';

/** Output and d(sum(output))/dx of one node whose first input is x; `rest` are further inputs (null for absent). */
function valueAndGrad(op: string, x: number[], attrs: Attrs = {}, rest: (Tensor | null)[] = []): { y: number[]; dx: number[] } {
  return tidy(() => {
    const xt = tensor(x, [x.length], 'float32');
    xt.requiresGrad = true;
    const { g, feeds } = nodeGraph(op, [xt, ...rest], attrs);
    const y = runGraph(g, feeds, { training: true })['out0']!;
    sum(y).backward();
    return { y: y.toArray(), dx: xt.grad!.toArray() };
  });
}

const scalar = (v: number): Tensor => tensor([v], [], 'float32');

test("HardSigmoid with PyTorch's attributes: F.hardsigmoid's values and gradient", () => {
  const r = valueAndGrad('HardSigmoid', [-4, -3, -1, 0, 3, 4], { alpha: float(Math.fround(1 / 6)), beta: float(0.5) });
  assertClose(r.y, [0, 0, 1 / 3, 0.5, 1, 1], { atol: 1e-6 });
  assertClose(r.dx, [0, 0, 1 / 6, 1 / 6, 0, 0], { atol: 1e-6 });
});

test('HardSigmoid with other attributes: clamp(alpha * x + beta, 0, 1), flat outside the bounds', () => {
  const r = valueAndGrad('HardSigmoid', [-2, -1, 0, 0.5, 1], { alpha: float(0.5), beta: float(0.6) });
  assertClose(r.y, [0, 0.1, 0.6, 0.85, 1], { atol: 1e-6 });
  assertClose(r.dx, [0, 0.5, 0.5, 0.5, 0], { atol: 1e-6 });
});

test("Clip with both bounds: ReLU6's gradient (hardtanh), zero at the bounds", () => {
  const r = valueAndGrad('Clip', [-1, 0, 3, 6, 7], {}, [scalar(0), scalar(6)]);
  assert.deepEqual(r.y, [0, 0, 3, 6, 6]);
  assert.deepEqual(r.dx, [0, 0, 1, 0, 0]);
});

test("Clip with a lower bound of 0 alone: ReLU's gradient, zero at 0", () => {
  const r = valueAndGrad('Clip', [-1, 0, 2], {}, [scalar(0), null]);
  assert.deepEqual(r.y, [0, 0, 2]);
  assert.deepEqual(r.dx, [0, 0, 1]);
});
