// Every fixture model imports, runs on the engine and matches PyTorch's output; what import does to the graph
// (folding, classification, names, symbolic dims, metadata) is checked on the cases that exercise it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnx } from '../../src/onnx/index.js';
import { countMacs, inferShapes, runGraph } from '../../src/exec/index.js';
import { liveTensors, noGrad, tidy } from '../../src/tensor/index.js';
import { caseData, cases, fixturesDir, maxAbsDiff, modelPath, toTensor } from './helpers.js';

for (const c of cases()) {
  test(`import ${c.name} (opset ${c.opset}): runs and matches PyTorch to 1e-4 — ${c.covers}`, () => {
    const g = loadOnnx(modelPath(c.name));
    try {
      const { x, y } = caseData(c);
      const out = noGrad(() => tidy(() => {
        const r = runGraph(g, { [g.inputs[0]!.name]: toTensor(x) });
        const t = r[g.outputs[0]!.name]!;
        return { shape: t.shape, data: Array.from(t.data() as Float32Array) };
      }));
      assert.deepEqual(out.shape, y.shape, 'output shape');
      const d = maxAbsDiff(out.data, y.data);
      assert.ok(d <= 1e-4, `max abs diff ${d.toExponential(3)}`);
      assert.equal(g.opset, c.opset);
    } finally {
      g.dispose();
    }
  });
}

test('MACs agree with the thop-style count from PyTorch hooks (within 1%) on every fixture', () => {
  for (const c of cases()) {
    const g = loadOnnx(modelPath(c.name));
    try {
      inferShapes(g);
      const macs = countMacs(g).total;
      assert.ok(Math.abs(macs - c.macs) <= 0.01 * c.macs, `${c.name}: ${macs} MACs vs ${c.macs}`);
    } finally {
      g.dispose();
    }
  }
});

test('params equal PyTorch parameters().numel() where the file keeps every parameter; BN running stats are buffers', () => {
  for (const c of cases().filter((k) => k.params !== undefined)) {
    const g = loadOnnx(modelPath(c.name));
    try {
      assert.equal(g.parameterCount(), c.params, c.name);
    } finally {
      g.dispose();
    }
  }
  const g = loadOnnx(modelPath('convbn_train'));
  try {
    const kinds = Object.fromEntries([...g.initializers].map(([k, v]) => [k, v.kind]));
    assert.equal(kinds['features.1.weight'], 'param');
    assert.equal(kinds['features.1.bias'], 'param');
    assert.equal(kinds['features.1.running_mean'], 'buffer');
    assert.equal(kinds['features.1.running_var'], 'buffer');
    assert.equal(kinds['fc.weight'], 'param');
    assert.equal(g.tensorsOf('buffer').length, 4);
    assert.ok(g.parameters().every((t) => t.requiresGrad), 'params require grad');
    // The training-mode export's extra BatchNormalization outputs are dropped; defaults are explicit.
    const bn = g.nodes.find((n) => n.opType === 'BatchNormalization')!;
    assert.equal(bn.outputs.length, 1);
    const conv = g.nodes.find((n) => n.opType === 'Conv')!;
    assert.deepEqual(Object.keys(conv.attrs).sort(), ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
    const pool = g.nodes.find((n) => n.opType === 'MaxPool')!;
    assert.deepEqual(pool.attrs['ceil_mode'], { kind: 'int', value: 1 });
    assert.deepEqual(pool.attrs['storage_order'], { kind: 'int', value: 0 });
  } finally {
    g.dispose();
  }
});

test('shape arithmetic folds: view(N, -1) becomes Reshape [0, -1]; Slice ends from Shape become a constant', () => {
  const g = loadOnnx(modelPath('flatten_gemm'));
  try {
    assert.deepEqual(g.nodes.map((n) => n.opType), ['Conv', 'Relu', 'Reshape', 'Gemm', 'Relu', 'Gemm']);
    const reshape = g.nodes.find((n) => n.opType === 'Reshape')!;
    assert.deepEqual(g.initializers.get(reshape.inputs[1]!)!.tensor.toArray(), [0, -1]);
    assert.equal(g.initializers.get(reshape.inputs[1]!)!.kind, 'constant');
    // Batch 5 runs although the probe ran at 1 and 2.
    const out = noGrad(() => tidy(() => runGraph(g, { input: toTensor({ shape: [5, 3, 8, 8], data: new Float32Array(5 * 3 * 64) }) })['output']!.shape));
    assert.deepEqual(out, [5, 5]);
  } finally {
    g.dispose();
  }
  const s = loadOnnx(modelPath('shape_slice'));
  try {
    assert.deepEqual(s.nodes.map((n) => n.opType), ['Conv', 'Slice', 'ReduceMean', 'Gemm']);
    const slice = s.nodes[1]!;
    assert.deepEqual(s.initializers.get(slice.inputs[2]!)!.tensor.toArray(), [4]);
  } finally {
    s.dispose();
  }
});

test('Constant nodes, weights through Identity, initializers listed as inputs and external data all import alike', () => {
  const ref = loadOnnx(modelPath('convbn_eval'));
  try {
    for (const name of ['const_nodes', 'identity_weights', 'init_inputs', 'external_data']) {
      const g = loadOnnx(modelPath(name));
      try {
        assert.deepEqual(g.nodes.map((n) => n.opType), ref.nodes.map((n) => n.opType), name);
        assert.deepEqual(g.inputs.map((i) => i.name), ['input'], `${name}: initializers are not inputs`);
        assert.equal(g.parameterCount(), ref.parameterCount(), name);
        assert.deepEqual([...g.initializers.keys()].sort(), [...ref.initializers.keys()].sort(), `${name}: same initializer names`);
      } finally {
        g.dispose();
      }
    }
    const unnamed = loadOnnx(modelPath('init_inputs'));
    const names = unnamed.nodes.map((n) => n.name);
    assert.equal(new Set(names).size, names.length, 'generated node names are unique');
    assert.ok(names.every((n) => /^[A-Za-z]+_\d+/.test(n)), names.join(', '));
    unnamed.dispose();
  } finally {
    ref.dispose();
  }
});

test('symbolic dims and names kept; producer and metadata recorded; bytes load like a path; nothing leaks', () => {
  const before = liveTensors();
  const g = loadOnnx(modelPath('convbn_eval'));
  assert.deepEqual(g.inputs, [{ name: 'input', dtype: 'float32', shape: ['N', 3, 15, 15] }]);
  assert.deepEqual(g.outputs, [{ name: 'output', dtype: 'float32', shape: ['N', 10] }]);
  assert.equal(g.metadata['producer_name'], 'pytorch');
  assert.equal(g.metadata['producer_version'], '1.13.0');
  g.dispose();
  const b = loadOnnx(readFileSync(modelPath('external_data')), { baseDir: join(fixturesDir, 'external_data') });
  assert.equal(b.parameterCount(), 1562);
  b.dispose();
  assert.equal(liveTensors(), before);
});
