// Export: every fixture written back by whittle runs in onnxruntime-node and matches PyTorch; a round trip keeps
// names, params and values; opset conversion rewrites the ops whose form changed; files are written atomically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel, loadOnnx, saveOnnx, toOnnxBytes } from '../../src/onnx/index.js';
import { Graph, ints, int } from '../../src/graph/index.js';
import { inferShapes, runGraph } from '../../src/exec/index.js';
import { noGrad, tensor, tidy } from '../../src/tensor/index.js';
import { caseData, cases, maxAbsDiff, modelPath, toTensor, type Case } from './helpers.js';

async function runOrt(bytes: Uint8Array, feeds: Record<string, { shape: number[]; data: Float32Array }>): Promise<Record<string, { dims: readonly number[]; data: Float32Array }>> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const r = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.shape)])));
    return Object.fromEntries(Object.entries(r).map(([k, t]) => [k, { dims: t.dims, data: t.data as Float32Array }]));
  } finally {
    await s.release();
  }
}

async function checkInOrt(c: Case, bytes: Uint8Array): Promise<void> {
  const { x, y } = caseData(c);
  const r = await runOrt(bytes, { input: x });
  assert.deepEqual([...r['output']!.dims], y.shape, `${c.name}: output shape`);
  const d = maxAbsDiff(r['output']!.data, y.data);
  assert.ok(d <= 1e-4, `${c.name}: onnxruntime vs PyTorch max abs diff ${d.toExponential(3)}`);
}

test('convert: every fixture written by whittle runs in onnxruntime-node and matches PyTorch to 1e-4', async () => {
  for (const c of cases()) {
    const g = loadOnnx(modelPath(c.name));
    try {
      const bytes = toOnnxBytes(g);
      const m = decodeModel(bytes, c.name);
      assert.equal(Number(m.irVersion), 8);
      assert.equal(m.producerName, 'whittle');
      assert.match(m.producerVersion, /^\d+\.\d+\.\d+/);
      // written at opset 13 by default, or at the model's own opset when that is newer
      assert.deepEqual(m.opsetImport.map((o) => [o.domain, Number(o.version)]), [['', Math.max(13, c.opset)]]);
      assert.deepEqual(m.graph!.input[0]!.type!.tensorType!.shape!.dim[0]!.dimParam, 'N', 'batch stays symbolic');
      assert.ok(m.graph!.initializer.every((t) => t.rawData.length > 0 || t.dims.some((d) => Number(d) === 0)), 'raw_data');
      assert.ok(m.metadataProps.some((p) => p.key === 'source_producer' && p.value === 'pytorch 1.13.0'));
      await checkInOrt(c, bytes);
    } finally {
      g.dispose();
    }
  }
});

test('round trip: node names, initializer names and kinds, values and opset (13 at least) survive import → export → import', () => {
  for (const c of cases()) {
    const a = loadOnnx(modelPath(c.name));
    const b = loadOnnx(toOnnxBytes(a, { metadata: { note: 'kept' } }));
    try {
      assert.deepEqual(b.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs]), a.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs]), c.name);
      assert.deepEqual(b.nodes.map((n) => n.attrs), a.nodes.map((n) => n.attrs), `${c.name}: attributes`);
      assert.deepEqual([...b.initializers].map(([k, v]) => [k, v.kind]), [...a.initializers].map(([k, v]) => [k, v.kind]), `${c.name}: initializers`);
      for (const [k, v] of a.initializers) assert.deepEqual(b.initializers.get(k)!.tensor.toArray(), v.tensor.toArray(), `${c.name}: ${k}`);
      assert.deepEqual(b.inputs, a.inputs);
      assert.deepEqual(b.outputs, a.outputs);
      assert.equal(b.opset, Math.max(13, a.opset));
      assert.equal(b.parameterCount(), a.parameterCount());
      assert.equal(b.metadata['note'], 'kept');
      assert.equal(b.metadata['source_producer'], 'pytorch 1.13.0');
      assert.equal(b.metadata['producer_name'], 'whittle');
    } finally {
      a.dispose();
      b.dispose();
    }
  }
});

test('opset conversion: HardSwish decomposed below 14, Softmax/ReduceMean/Squeeze/Unsqueeze/Dropout rewritten, all run in onnxruntime', async () => {
  const c = cases().find((k) => k.name === 'activations17')!;
  const g = loadOnnx(modelPath(c.name));
  try {
    for (const opset of [11, 13, 14, 18]) {
      const bytes = toOnnxBytes(g, { opset });
      const ops = decodeModel(bytes, 'x').graph!.node.map((n) => n.opType);
      assert.equal(ops.includes('HardSwish'), opset >= 14, `opset ${opset}: ${ops.join(',')}`);
      await checkInOrt(c, bytes);
    }
  } finally {
    g.dispose();
  }
  // A hand-built graph at opset 13: ReduceMean (axes attribute), Unsqueeze/Squeeze (axes inputs), Softmax on the last axis.
  const axes = tensor(BigInt64Array.from([2n, 3n]), [2], 'int64');
  const h = new Graph({
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, 4, 5] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: null }],
    nodes: [
      { name: 'mean', opType: 'ReduceMean', domain: '', inputs: ['x'], outputs: ['m'], attrs: { axes: ints([2, 3]), keepdims: int(1) } },
      { name: 'sq', opType: 'Squeeze', domain: '', inputs: ['m', 'axes'], outputs: ['s'], attrs: {} },
      { name: 'unsq', opType: 'Unsqueeze', domain: '', inputs: ['s', 'axes'], outputs: ['u'], attrs: {} },
      { name: 'flat', opType: 'Flatten', domain: '', inputs: ['u'], outputs: ['f'], attrs: { axis: int(1) } },
      { name: 'drop', opType: 'Dropout', domain: '', inputs: ['f', 'ratio'], outputs: ['d'], attrs: {} },
      { name: 'soft', opType: 'Softmax', domain: '', inputs: ['d'], outputs: ['y'], attrs: { axis: int(-1) } },
    ],
    initializers: new Map([['axes', { tensor: axes, kind: 'constant' as const }], ['ratio', { tensor: tensor([0.25], [], 'float32'), kind: 'constant' as const }]]),
    opset: 13,
  });
  try {
    const x = { shape: [2, 3, 4, 5], data: Float32Array.from({ length: 120 }, (_, i) => Math.sin(i)) };
    const want = noGrad(() => tidy(() => Array.from(runGraph(h, { x: toTensor(x) })['y']!.data() as Float32Array)));
    for (const opset of [11, 12, 13, 17, 18, 21]) {
      const bytes = toOnnxBytes(h, { opset });
      const m = decodeModel(bytes, 'h');
      const mean = m.graph!.node.find((n) => n.opType === 'ReduceMean')!;
      assert.equal(mean.input.length, opset >= 18 ? 2 : 1, `opset ${opset}: ReduceMean axes ${opset >= 18 ? 'input' : 'attribute'}`);
      const sq = m.graph!.node.find((n) => n.opType === 'Squeeze')!;
      assert.equal(sq.input.length, opset >= 13 ? 2 : 1, `opset ${opset}: Squeeze axes`);
      const drop = m.graph!.node.find((n) => n.opType === 'Dropout')!;
      assert.deepEqual([drop.input.length, drop.attribute.map((a) => [a.name, a.f])], opset >= 12 ? [2, []] : [1, [['ratio', 0.25]]], `opset ${opset}: Dropout ratio`);
      const r = await runOrt(bytes, { x });
      assert.ok(maxAbsDiff(r['y']!.data, want) < 1e-6, `opset ${opset}`);
      const back = loadOnnx(bytes);
      assert.equal(back.opset, opset);
      const again = noGrad(() => tidy(() => Array.from(runGraph(back, { x: toTensor(x) })['y']!.data() as Float32Array)));
      back.dispose();
      assert.ok(maxAbsDiff(again, want) < 1e-6, `opset ${opset}: whittle reads its own file`);
    }
    assert.throws(() => toOnnxBytes(h, { opset: 22 }), (e: Error & { code?: string }) => e.code === 'E_ONNX' && /opsets 11 to 21/.test(e.message));
  } finally {
    h.dispose();
  }
});

test('saveOnnx writes atomically (no temporary file left) and inferred output shapes are written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-onnx-'));
  try {
    const g = loadOnnx(modelPath('resblock'));
    inferShapes(g);
    const path = join(dir, 'out.onnx');
    writeFileSync(path, 'old');
    await saveOnnx(g, path);
    g.dispose();
    assert.deepEqual(readdirSync(dir), ['out.onnx']);
    const back = loadOnnx(path);
    assert.deepEqual(back.outputs[0]!.shape, ['N', 5]);
    back.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("written files pass onnx's checker (full_check), where python3-onnx is installed", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-onnx-'));
  try {
    const files: string[] = [];
    for (const c of cases()) {
      const g = loadOnnx(modelPath(c.name));
      const f = join(dir, `${c.name}.onnx`);
      writeFileSync(f, toOnnxBytes(g));
      g.dispose();
      files.push(f);
    }
    const py = 'import onnx, sys\nfor f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f), full_check=True)\nprint("ok")';
    const r = spawnSync('/usr/bin/python3', ['-c', py, ...files], { encoding: 'utf8' });
    if (r.error || /No module named 'onnx'/.test(r.stderr)) {
      t.skip('python3 with onnx is not installed');
      return;
    }
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
