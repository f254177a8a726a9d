// A full forward + backward of vgg-small and resnet-small in train mode against PyTorch in float64 (bench/peer/zoo.py,
// via test/fixtures/zoo-grads.json): loss, logits, every parameter's gradient (L2 norm and 32 fixed entries) and the
// BatchNorm running statistics after the step, then eval-mode logits. Loss to 1e-4 relative, norms to 1e-3, entries
// to 1e-4 relative or 2e-3 of their tensor's RMS: float32 itself (PyTorch's as well as ours) lands up to 1.6e-4 from
// float64 on a norm and 5e-4 of the RMS on an entry, most with train-mode BatchNorm over one image; PyTorch's float32
// on two CPUs differed from each other by as much.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, crossEntropy, noGrad, tensor, tidy } from '../../src/tensor/index.js';
import { type Arch, buildZoo } from '../../src/nn/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { loadFixture } from '../helpers/fixtures.js';

type Summary = { shape: number[]; norm: number; idx: number[]; val: number[] };
type ZooCase = {
  arch: Arch; batch: number; input: [number, number, number]; classes: number; names: string[]; loss: number; logits: number[]; evalLogits: number[];
  grads: Record<string, Summary>; buffers: Record<string, Summary>;
};

const { models } = loadFixture<{ models: ZooCase[] }>('zoo-grads.json');
const RTOL = 1e-4;
const NORM_RTOL = 1e-3;
/** Entry tolerance as a fraction of the tensor's RMS: float32 rounding through a dozen layers, with margin. */
const RMS_TOL = 2e-3;

/** Parameter k's value at flat index i, as in the header of scripts/gen-fixtures.py. */
function zooValue(name: string, shape: readonly number[], k: number, i: number): number {
  const numel = shape.reduce((a, b) => a * b, 1);
  if (shape.length >= 2) return Math.sin(0.37 * i + k) * Math.sqrt(3 / (numel / shape[0]!));
  if (name.endsWith('weight')) return 1 + 0.1 * Math.sin(0.37 * i + k);
  return 0.1 * Math.cos(0.37 * i + k);
}

function rmsOf(v: readonly number[]): number {
  return Math.hypot(...v) / Math.sqrt(v.length);
}

/** Norm within NORM_RTOL, and each sampled entry within RTOL of itself or RMS_TOL of the tensor's RMS. */
function assertSummary(t: Tensor, want: Summary, what: string): void {
  assert.deepEqual(t.shape, want.shape, `${what}: shape [${t.shape.join(', ')}] vs expected [${want.shape.join(', ')}]`);
  const v = t.toArray();
  const norm = Math.hypot(...v);
  assertClose(norm, want.norm, { atol: 0, rtol: NORM_RTOL, what: `${what} L2 norm` });
  const rms = want.norm / Math.sqrt(v.length);
  assertClose(want.idx.map((j) => v[j]!), want.val, { atol: RMS_TOL * rms, rtol: RTOL, what: `${what} sampled entries` });
}

for (const m of models) {
  test(`${m.arch} at ${m.batch}x${m.input.join('x')}: loss, gradients and running stats match PyTorch`, () => {
    const model = buildZoo(m.arch, { input: m.input, classes: m.classes });
    try {
      const params = model.namedParameters();
      assert.deepEqual(params.map(([n]) => n), m.names, 'parameter names and order differ from PyTorch');
      tidy(() => {
        model.loadStateDict(Object.fromEntries(params.map(([n, p], k) =>
          [n, tensor(Float32Array.from({ length: p.numel }, (_, i) => zooValue(n, p.shape, k, i)), p.shape)])));
      });
      tidy(() => {
        const n = m.batch * m.input.reduce((a, b) => a * b, 1);
        const x = tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(0.05 * i) + 0.5 * Math.cos(0.37 * i)), [m.batch, ...m.input]);
        const y = tensor(Array.from({ length: m.batch }, (_, j) => (3 * j + 1) % m.classes), [m.batch], 'int64');
        const logits = model.forward(x, true);
        assertClose(logits, m.logits, { atol: RMS_TOL * rmsOf(m.logits), rtol: RTOL, what: 'logits' });
        const loss = crossEntropy(logits, y);
        assertClose(loss.item(), m.loss, { atol: 0, rtol: RTOL, what: 'loss' });
        loss.backward();
        // eval mode uses the running statistics the train step just updated
        assertClose(noGrad(() => model.forward(x, false)), m.evalLogits, { atol: RMS_TOL * rmsOf(m.evalLogits), rtol: RTOL, what: 'eval-mode logits' });
      });
      for (const [name, p] of params) {
        const want = m.grads[name];
        assert.ok(want, `no PyTorch gradient for ${name}`);
        tidy(() => {
          const g = p.grad;
          assert.ok(g, `${name} has no gradient`);
          assertSummary(g, want, `grad of ${name}`);
        });
      }
      const buffers = Object.fromEntries(model.namedBuffers());
      for (const [name, want] of Object.entries(m.buffers)) {
        const b = buffers[name];
        assert.ok(b, `no buffer named ${name}`);
        assertSummary(b, want, name);
      }
    } finally {
      model.dispose();
    }
  });
}
