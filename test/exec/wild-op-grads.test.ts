// Issue 33's differentiable kernels against PyTorch (test/fixtures/wild-op-grads.json, scripts/gen-wild-op-fixtures.py):
// each ONNX node runs on the executor in float64 with its float inputs requiring grad; the outputs and the gradients of
// L = sum_k sum(out_k * w_k) must equal PyTorch's. Recurrent cases cover both code paths (fused kernels and the loop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attr, Attrs } from '../../src/graph/index.js';
import { runGraph } from '../../src/exec/index.js';
import { add, mul, sum, tensor, tidy, type DType, type Tensor } from '../../src/tensor/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { loadFixture, type Encoded } from '../helpers/fixtures.js';
import { nodeGraph } from './run-node.js';

type Case = { name: string; op: string; attrs: Record<string, Attr>; opset: number; inputs: (Encoded | null)[]; outputs: Encoded[]; grads: (Encoded | null)[] };
const { cases } = loadFixture<{ cases: Case[] }>('wild-op-grads.json');

/** The fixture's output weights: w_k[i] = (((7 i + 3 + 5 k) mod 11) - 5) / 4. */
const weights = (k: number, n: number): number[] => Array.from({ length: n }, (_, i) => (((7 * i + 3 + 5 * k) % 11) - 5) / 4);

function input(e: Encoded): Tensor {
  if (e.dtype === 'bool') return tensor(Uint8Array.from(e.data), e.shape, 'bool');
  return tensor(e.data, e.shape, e.dtype as DType);
}

test('the fixture covers the ops the issue names', () => {
  const ops = new Set(cases.map((c) => c.op));
  for (const op of ['GRU', 'LSTM', 'RNN', 'Conv', 'LayerNormalization', 'Gelu', 'Erf', 'Einsum', 'GatherElements', 'CumSum']) assert.ok(ops.has(op), op);
  for (const dir of ['bidirectional', 'reverse']) for (const cell of ['GRU', 'LSTM']) assert.ok(cases.some((c) => c.op === cell && c.attrs['direction']?.value === dir), `${cell} ${dir}`);
});

for (const c of cases) {
  test(`${c.op}: ${c.name} equals PyTorch, forward and gradients`, () => {
    tidy(() => {
      const xs = c.inputs.map((e) => (e ? input(e) : null));
      for (const x of xs) if (x && x.dtype === 'float64') x.requiresGrad = true;
      const { g, feeds } = nodeGraph(c.op, xs, c.attrs as Attrs, { opset: c.opset, outputs: c.outputs.length });
      const outs = runGraph(g, feeds);
      const terms = c.outputs.map((want, k) => {
        const y = outs[`out${k}`]!;
        assertClose(y, want, { atol: 1e-9, rtol: 1e-7, what: `output ${k}` });
        return sum(mul(y, tensor(weights(k, y.numel), y.shape, 'float64')));
      });
      terms.reduce((a, b) => add(a, b)).backward();
      c.grads.forEach((want, i) => {
        if (!want) return;
        const got = xs[i]!.grad;
        assert.ok(got, `input ${i} has a gradient`);
        assertClose(got, want, { atol: 1e-9, rtol: 1e-7, what: `d L / d input ${i}` });
      });
    });
  });
}
