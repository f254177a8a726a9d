// GlobalBatchNorm (the trainer's BatchNorm, on the global batch's statistics through libtorch's fused kernels) against
// libtorch's own training-mode batch_norm computed in float64: output, running statistics, and the gradients of the
// input, scale and bias, on image, sequence and flat inputs, a residual path around a layer, a group of processes
// (simulated), and frozen parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GlobalBatchNorm, type SumAcross } from '../../src/exec/index.js';
import { add, batchNorm, cast, clone, contiguous, detach, manualSeed, mul, mulInto, randn, relu, sum, tidy, type Tensor } from '../../src/tensor/index.js';
import { assertClose } from '../helpers/assert-close.js';

type Case = { x: Tensor; scale: Tensor; bias: Tensor; mean: Tensor; var: Tensor; weights: Tensor };

function makeCase(shape: number[], channelsLast = false): Case {
  const C = shape[1]!;
  const x = randn(shape);
  const leaf = (t: Tensor): Tensor => {
    t.requiresGrad = true;
    return t;
  };
  return {
    x: leaf(channelsLast ? contiguous(add(mul(x, 3), 5), 'channels_last') : add(mul(x, 3), 5)),
    scale: leaf(add(mul(randn([C]), 0.2), 1)), // positive: relu(y) keeps a spread, so a residual's second layer is well conditioned
    bias: leaf(randn([C])),
    mean: mul(randn([C]), 2),
    var: add(mul(randn([C]), 0), 2),
    weights: randn(shape),
  };
}

/** The loss's value, gradients and the running statistics after one pass; `viaGlobal` picks GlobalBatchNorm. */
function pass(c: Case, viaGlobal: SumAcross | null | 'libtorch', residual = false): Record<string, Tensor> {
  const f64 = viaGlobal === 'libtorch';
  const p = Object.fromEntries(Object.entries(c).map(([k, t]) => {
    const v = detach(f64 ? cast(t, 'float64') : clone(t));
    if (k === 'x' || k === 'scale' || k === 'bias') v.requiresGrad = t.requiresGrad;
    return [k, v];
  })) as Case;
  const x = mul(p.x, 1); // x has a history, as a conv's output does
  const bn = viaGlobal === 'libtorch' ? null : new GlobalBatchNorm(viaGlobal);
  const norm = (v: Tensor): Tensor => (bn ? bn.normalize(v, p.scale, p.bias, p.mean, p.var, 1e-5, 0.1) : batchNorm(v, p.scale, p.bias, p.mean, p.var, { training: true, momentum: 0.1, eps: 1e-5 }));
  let y = norm(x);
  if (residual) y = add(norm(relu(y)), y); // the second layer's input and the sum both reach the first layer
  const loss = sum(mul(relu(y), p.weights));
  if (bn) bn.backward(loss);
  else loss.backward();
  const out = { y: detach(y), mean: p.mean, var: p.var, ...Object.fromEntries((['x', 'scale', 'bias'] as const).flatMap((k) => (p[k].grad ? [[`d${k}`, p[k].grad!]] : []))) };
  bn?.dispose();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, cast(t, 'float32')]));
}

function assertSame(got: Record<string, Tensor>, want: Record<string, Tensor>, tol = { atol: 2e-5, rtol: 2e-5 }): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
  for (const k of Object.keys(want)) assertClose(got[k]!, { shape: want[k]!.shape, data: want[k]!.toArray() }, { ...tol, what: k });
}

for (const [what, shape, cl] of [['images', [6, 5, 7, 7], false], ['images, channels-last', [6, 5, 7, 7], true], ['sequences', [6, 5, 9], false], ['flat rows', [12, 5], false]] as const) {
  test(`GlobalBatchNorm on ${what}: libtorch's batch_norm in float64 (output, running statistics, gradients)`, () => {
    tidy(() => {
      manualSeed(1);
      const c = makeCase([...shape], cl);
      assertSame(pass(c, null), pass(c, 'libtorch'));
    });
  });
}

test('GlobalBatchNorm with a residual path around a layer: the gradients of libtorch in float64', () => {
  tidy(() => {
    manualSeed(2);
    const c = makeCase([6, 5, 7, 7], true);
    assertSame(pass(c, null, true), pass(c, 'libtorch', true));
  });
});

test('GlobalBatchNorm in a group of two processes holding the same rows: the one-process statistics and gradients', () => {
  // each process's sums doubled: the global batch is this batch twice, so the statistics and the input's gradient
  // are one process's; the scale's and bias's gradients stay this process's share (the trainer sums them after)
  const twice: SumAcross = (ts) => ts.forEach((t) => mulInto(t, 2));
  tidy(() => {
    manualSeed(3);
    const c = makeCase([6, 5, 7, 7], true);
    const one = pass(c, null, true);
    const group = pass(c, twice, true);
    for (const k of ['y', 'mean', 'dx', 'dscale', 'dbias']) assertClose(group[k]!, { shape: one[k]!.shape, data: one[k]!.toArray() }, { atol: 2e-5, rtol: 2e-5, what: k });
    // the running variance takes the batch's variance times n / (n - 1) of the group's count, twice this batch's
    const n = 6 * 7 * 7;
    const start = c.var.toArray();
    const [oneLayer, groupLayer] = [pass(c, null), pass(c, twice)];
    const batchVar = oneLayer['var']!.toArray().map((v, i) => (v - 0.9 * start[i]!) / (0.1 * (n / (n - 1))));
    assertClose(groupLayer['var']!, batchVar.map((v, i) => 0.9 * start[i]! + 0.1 * v * ((2 * n) / (2 * n - 1))), { atol: 2e-5, rtol: 2e-5, what: 'var' });
  });
});

test('GlobalBatchNorm with a frozen scale and bias, and on an input with no history: only what is trained gets a gradient', () => {
  tidy(() => {
    manualSeed(4);
    const c = makeCase([6, 5, 7, 7]);
    c.scale.requiresGrad = false;
    c.bias.requiresGrad = false;
    const got = pass(c, null);
    assert.deepEqual(Object.keys(got).sort(), ['dx', 'mean', 'var', 'y']);
    assertSame(got, pass(c, 'libtorch'));
  });
});
