// Training in bf16 against PyTorch's CPU autocast (test/fixtures/zoo-bf16.json, scripts/gen-bf16-fixtures.py): one
// train-mode step of vgg-small and resnet-small, as the trainer runs graphs (channels-last, forwardWith) and as the
// train bench runs modules, gives PyTorch's logits, loss, gradients and BatchNorm statistics to bf16 tolerance, and
// the fixture's fp32 numbers lie well outside that tolerance (so it is the bf16 path that matched). Gradients,
// master weights and statistics stay float32.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autocast, cast, clone, copyInto, crossEntropy, matmul, noGrad, setPrecision, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { buildZoo, type Arch } from '../../src/nn/index.js';
import { forward, forwardWith, toChannelsLast } from '../../src/distill/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { loadFixture } from '../helpers/fixtures.js';

type Summary = { shape: number[]; norm: number; idx: number[]; val: number[] };
type Bf16Case = {
  arch: Arch; batch: number; input: [number, number, number]; classes: number; names: string[]; loss: number; logits: number[]; evalLogits: number[];
  grads: Record<string, Summary>; buffers: Record<string, Summary>;
  fp32: { loss: number; logits: number[]; gradNorms: Record<string, number> };
};

const { models } = loadFixture<{ models: Bf16Case[] }>('zoo-bf16.json');
/** Tolerances as fractions of a tensor's RMS (entries) or of its norm. With the same libtorch as the fixture (Debian's 1.13, oneDNN) all agree to 5e-4; bf16 keeps 8 significant bits (0.4% per rounding), and another CPU or build may accumulate in another order. */
const LOGIT_TOL = 0.01;
const NORM_RTOL = 0.01;
const ENTRY_TOL = 0.03;

function zooValue(name: string, shape: readonly number[], k: number, i: number): number {
  const numel = shape.reduce((a, b) => a * b, 1);
  if (shape.length >= 2) return Math.sin(0.37 * i + k) * Math.sqrt(3 / (numel / shape[0]!));
  if (name.endsWith('weight')) return 1 + 0.1 * Math.sin(0.37 * i + k);
  return 0.1 * Math.cos(0.37 * i + k);
}

const rms = (v: readonly number[]): number => Math.hypot(...v) / Math.sqrt(v.length);
const maxDiff = (a: readonly number[], b: readonly number[]): number => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

function assertSummary(t: Tensor, want: Summary, what: string): void {
  assert.equal(t.dtype, 'float32', `${what} is ${t.dtype}, expected float32`);
  const v = t.toArray();
  assertClose(Math.hypot(...v), want.norm, { atol: 0, rtol: NORM_RTOL, what: `${what} L2 norm` });
  assertClose(want.idx.map((j) => v[j]!), want.val, { atol: ENTRY_TOL * (want.norm / Math.sqrt(v.length)), rtol: 0, what: `${what} sampled entries` });
}

function inputs(m: Bf16Case): { x: Tensor; y: Tensor } {
  const n = m.batch * m.input.reduce((a, b) => a * b, 1);
  const x = tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(0.05 * i) + 0.5 * Math.cos(0.37 * i)), [m.batch, ...m.input]);
  return { x: clone(x, 'channels_last'), y: tensor(Array.from({ length: m.batch }, (_, j) => (3 * j + 1) % m.classes), [m.batch], 'int64') };
}

/** The logits match PyTorch's autocast to LOGIT_TOL of their RMS, and PyTorch's fp32 logits are far outside it. */
function checkLogits(logits: Tensor, m: Bf16Case): void {
  assert.equal(logits.dtype, 'float32');
  const tol = LOGIT_TOL * rms(m.logits);
  assertClose(logits, m.logits, { atol: tol, rtol: 0, what: 'bf16 logits' });
  assert.ok(maxDiff(logits.toArray(), m.fp32.logits) > 3 * tol, `the logits are as close to PyTorch's fp32 ones as to its bf16 ones (${maxDiff(logits.toArray(), m.fp32.logits)}): bf16 was not used`);
}

function checkLoss(loss: Tensor, m: Bf16Case): void {
  assert.equal(loss.dtype, 'float32');
  assertClose(loss.item(), m.loss, { atol: 0, rtol: 5e-3, what: 'loss' });
}

function checkGrads(params: [string, Tensor][], m: Bf16Case): void {
  let farFromFp32 = 0;
  for (const [name, p] of params) {
    tidy(() => {
      const g = p.grad;
      assert.ok(g, `${name} has no gradient`);
      assertSummary(g, m.grads[name]!, `grad of ${name}`);
      if (Math.abs(Math.hypot(...g.toArray()) - m.fp32.gradNorms[name]!) > 3 * NORM_RTOL * m.fp32.gradNorms[name]!) farFromFp32++;
    });
  }
  assert.ok(farFromFp32 > params.length / 4, `only ${farFromFp32} of ${params.length} gradient norms differ from fp32's: bf16 was not used`);
}

for (const m of models) {
  test(`${m.arch} as a graph in bf16 (the trainer's forward): logits, loss, gradients and running statistics match PyTorch's autocast`, () => {
    const g = buildZooGraph(m.arch as 'vgg-small' | 'resnet-small', { input: m.input, classes: m.classes });
    const restore = setPrecision('bf16');
    try {
      const params = m.names.map((n): [string, Tensor] => [n, g.initializers.get(n)!.tensor]);
      noGrad(() => tidy(() => params.forEach(([n, p], k) => copyInto(p, tensor(Float32Array.from({ length: p.numel }, (_, i) => zooValue(n, p.shape, k, i)), p.shape)))));
      toChannelsLast(g);
      const trained = m.names.map((n): [string, Tensor] => [n, g.initializers.get(n)!.tensor]);
      tidy(() => {
        const { x, y } = inputs(m);
        const { logits } = forwardWith(g, x, true, []);
        checkLogits(logits, m);
        const loss = crossEntropy(logits, y);
        checkLoss(loss, m);
        loss.backward();
        assertClose(noGrad(() => forward(g, x, false)), m.evalLogits, { atol: LOGIT_TOL * rms(m.evalLogits), rtol: 0, what: 'eval-mode bf16 logits' });
      });
      checkGrads(trained, m);
      for (const [name, want] of Object.entries(m.buffers)) assertSummary(g.initializers.get(name)!.tensor, want, name);
      for (const [name, init] of g.initializers) assert.equal(init.tensor.dtype, 'float32', `${name} is no longer float32`);
    } finally {
      restore();
      g.dispose();
    }
  });

  test(`${m.arch} as a module under autocast (the train bench's forward) matches PyTorch's autocast`, () => {
    const model = buildZoo(m.arch, { input: m.input, classes: m.classes });
    const restore = setPrecision('bf16');
    try {
      const params = model.namedParameters();
      tidy(() => model.loadStateDict(Object.fromEntries(params.map(([n, p], k) => [n, tensor(Float32Array.from({ length: p.numel }, (_, i) => zooValue(n, p.shape, k, i)), p.shape)]))));
      model.mapTensors((t) => (t.rank === 4 ? clone(t, 'channels_last') : t));
      tidy(() => {
        const { x, y } = inputs(m);
        const out = autocast(() => model.forward(x, true));
        assert.equal(out.dtype, 'bfloat16', 'the linear layer under autocast computes in bf16');
        const logits = cast(out, 'float32');
        checkLogits(logits, m);
        const loss = crossEntropy(logits, y);
        checkLoss(loss, m);
        loss.backward();
      });
      checkGrads(model.namedParameters(), m);
    } finally {
      restore();
      model.dispose();
    }
  });
}

test('outside a bf16 precision autocast does nothing, and the region ends with the scope', () => {
  tidy(() => {
    const x = tensor(Float32Array.from({ length: 16 }, (_, i) => i / 7), [4, 4]);
    assert.equal(autocast(() => crossEntropy(x, tensor([0, 1, 2, 3], [4], 'int64'))).dtype, 'float32');
    const restore = setPrecision('bf16');
    try {
      assert.equal(autocast(() => matmul(x, x)).dtype, 'bfloat16');
      assert.equal(matmul(x, x).dtype, 'float32', 'autocast stays on after its scope');
    } finally {
      restore();
    }
    assert.equal(autocast(() => matmul(x, x)).dtype, 'float32');
  });
});
