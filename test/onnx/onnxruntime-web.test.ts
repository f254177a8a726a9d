// Browsers: what whittle writes runs in onnxruntime-web (its WebAssembly backend, the one every browser has) and
// computes what PyTorch and onnxruntime-node compute; in headless Chromium too (test/onnx/onnxruntime-web-browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as web from 'onnxruntime-web';
import { loadOnnx, toOnnxBytes } from '../../src/onnx/index.js';
import { manualSeed } from '../../src/tensor/index.js';
import { caseData, cases, maxAbsDiff, modelPath } from './helpers.js';
import { nodeOutput, prunedStudents } from './students.js';

web.env.wasm.numThreads = 1;
web.env.logLevel = 'error';

type Feed = { shape: number[]; data: Float32Array };

async function runWeb(bytes: Uint8Array, x: Feed): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const s = await web.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const r = await s.run({ [s.inputNames[0]!]: new web.Tensor('float32', x.data, x.shape) });
    const y = r[s.outputNames[0]!]!;
    return { dims: y.dims, data: y.data as Float32Array };
  } finally {
    await s.release();
  }
}

test('every ONNX fixture written back by whittle runs in onnxruntime-web (wasm) and matches PyTorch to 1e-4', async () => {
  for (const c of cases()) {
    const g = loadOnnx(modelPath(c.name));
    try {
      const { x, y } = caseData(c);
      const r = await runWeb(toOnnxBytes(g), x);
      assert.deepEqual([...r.dims], y.shape, `${c.name}: output shape`);
      const d = maxAbsDiff(r.data, y.data);
      assert.ok(d <= 1e-4, `${c.name}: onnxruntime-web vs PyTorch max abs diff ${d.toExponential(3)}`);
    } finally {
      g.dispose();
    }
  }
});

test('pruned students of every zoo architecture (odd channel counts, BatchNorm folded) run in onnxruntime-web as in onnxruntime-node', async () => {
  manualSeed(0);
  for (const s of prunedStudents()) {
    const theirs = await runWeb(s.bytes, s.input);
    assert.deepEqual([...theirs.dims], [s.input.shape[0], 10], `${s.name}: output shape`);
    const ours = await nodeOutput(s);
    const d = maxAbsDiff(theirs.data, ours);
    assert.ok(d <= 1e-4, `${s.name}: onnxruntime-web vs onnxruntime-node max abs diff ${d.toExponential(3)}`);
  }
});
