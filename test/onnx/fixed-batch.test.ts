// Fixed-batch exports (issue 33, item 4): a model exported at batch 1 without dynamic_axes imports with the symbolic
// batch N, its batch-holding Reshape targets rewritten (docs/fixed-batch.md). The PyTorch exports under
// test/fixtures/wild/ (LeNet, a small ShuffleNetV2) are pruned to 0.5 and the students run in onnxruntime at batch 3;
// their outputs and gradients at batch 1 and 3 are checked against PyTorch by wild-fixtures.test.ts, and one SGD
// step at batch 8 lowers their loss here. Hand-made graphs show that a 1 that is not the batch stays, that an
// ambiguous target is settled by the search, and that a graph that cannot run at another batch is refused at that
// batch with one line naming the node and the remedy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel, loadOnnx, toOnnxBytes } from '../../src/onnx/index.js';
import { runGraph } from '../../src/exec/index.js';
import { Graph, GraphError, type Initializer, type Node } from '../../src/graph/index.js';
import { crossEntropy, noGrad, sub, tensor, tidy } from '../../src/tensor/index.js';
import { npyBytes } from '../../src/data/npy.js';
import { packageRoot } from '../helpers/fixtures.js';
import { whittle } from './helpers.js';

const wild = join(packageRoot(), 'test', 'fixtures', 'wild');
const dir = mkdtempSync(join(tmpdir(), 'whittle-fixed-batch-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const node = (name: string, opType: string, inputs: string[], outputs: string[], attrs: Node['attrs'] = {}): Node => ({ name, opType, domain: '', inputs, outputs, attrs });
const ints = (v: number[]): Initializer => ({ tensor: tensor(BigInt64Array.from(v, BigInt), [v.length], 'int64'), kind: 'constant' });
const floats = (v: number[], shape: number[]): Initializer => ({ tensor: tensor(Float32Array.from(v), shape, 'float32'), kind: 'param' });

/** A graph as an exporter without dynamic_axes writes it: the batch 1 in the input's shape; its bytes. */
function fixedModel(name: string, inShape: number[], outShape: number[], nodes: Node[], inits: Record<string, Initializer>): Uint8Array {
  const g = new Graph({
    name, inputs: [{ name: 'x', dtype: 'float32', shape: inShape }], outputs: [{ name: 'y', dtype: 'float32', shape: outShape }],
    nodes, initializers: new Map(Object.entries(inits)), opset: 13,
  });
  try {
    return toOnnxBytes(g);
  } finally {
    g.dispose();
  }
}

const targetOf = (g: Graph, nodeName: string): number[] => {
  const n = g.nodes.find((v) => v.name === nodeName);
  assert.ok(n, `node ${nodeName}`);
  return g.initializers.get(n.inputs[1]!)!.tensor.toArray();
};

for (const model of ['lenet', 'shufflenet_tiny']) {
  test(`${model} exported at a fixed batch of 1: inputs get N, prune to 0.5 gives a student onnxruntime runs at batch 3`, async () => {
    const path = join(wild, `${model}-op13-fixed`, 'model.onnx');
    const declared = decodeModel(readFileSync(path), path).graph!.input[0]!.type!.tensorType!.shape!.dim[0]!;
    assert.equal(Number(declared.dimValue), 1, 'the fixture is a fixed-batch export');
    const g = loadOnnx(path);
    try {
      assert.equal(g.inputs[0]!.shape![0], 'N');
      assert.equal(g.outputs[0]!.shape![0], 'N');
    } finally {
      g.dispose();
    }
    const out = join(dir, `${model}-student.onnx`);
    const r = await whittle('prune', path, '--ratio', '0.5', '-o', out);
    assert.equal(r.code, 0, r.err.join('\n'));
    const student = decodeModel(readFileSync(out), out).graph!;
    assert.equal(student.input[0]!.type!.tensorType!.shape!.dim[0]!.dimParam, 'N', 'the student is written with the symbolic batch');
    const x = JSON.parse(readFileSync(join(wild, `${model}-op13-fixed`, 'meta.json'), 'utf8')) as { model: string };
    assert.equal(x.model, model);
    const session = await ort.InferenceSession.create(out, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    try {
      const shape = [3, ...g.inputs[0]!.shape!.slice(1)] as number[];
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
      const y = (await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', data, shape) }))[session.outputNames[0]!]!;
      assert.deepEqual([...y.dims], [3, 10]);
      assert.ok(Array.from(y.data as Float32Array).every(Number.isFinite));
    } finally {
      await session.release();
    }
  });
}

for (const model of ['lenet', 'shufflenet_tiny']) {
  test(`${model} exported at a fixed batch of 1 trains at batch 8: one SGD step on cross-entropy lowers the loss`, () => {
    const g = loadOnnx(join(wild, `${model}-op13-fixed`, 'model.onnx'));
    try {
      const shape = [8, ...g.inputs[0]!.shape!.slice(1)] as number[];
      const x = () => tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(0.7 * i)), shape);
      const labels = () => tensor(Array.from({ length: 8 }, (_, i) => i % 10), [8], 'int64');
      const logits = (training: boolean) => runGraph(g, { [g.inputs[0]!.name]: x() }, { training })[g.outputs[0]!.name]!;
      const loss = (): number => noGrad(() => tidy(() => crossEntropy(logits(false), labels()).item()));
      const before = loss();
      tidy(() => crossEntropy(logits(true), labels()).backward());
      for (const [name, p] of g.tensorsOf('param')) {
        const grad = p.grad;
        assert.ok(grad, `${name} has a gradient`);
        g.setTensor(name, tidy(() => noGrad(() => sub(p, grad, 0.05))));
        grad.dispose();
      }
      const after = loss();
      assert.ok(after < before, `loss ${before} -> ${after}`);
    } finally {
      g.dispose();
    }
  });
}

test('a 1 that is not the batch stays: a channel count of 1 in a Reshape target, a weight reshaped to [1, 1, 24]', () => {
  const bytes = fixedModel('ones', [1, 1, 4, 6], [1, 1, 24], [
    node('flat', 'Reshape', ['x', 'flat_shape'], ['f']),
    node('scale_view', 'Reshape', ['s', 'scale_shape'], ['sv']),
    node('scale', 'Mul', ['f', 'sv'], ['y']),
  ], { flat_shape: ints([1, 1, 24]), s: floats(Array.from({ length: 24 }, (_, i) => i / 10), [24]), scale_shape: ints([1, 1, 24]) });
  const g = loadOnnx(bytes);
  try {
    assert.deepEqual(g.inputs[0]!.shape, ['N', 1, 4, 6]);
    assert.deepEqual(targetOf(g, 'flat'), [-1, 1, 24], 'the batch becomes -1; the channel count 1 stays');
    assert.deepEqual(targetOf(g, 'scale_view'), [1, 1, 24], 'a Reshape of a weight holds no batch');
    const xs = Array.from({ length: 72 }, (_, i) => Math.cos(i));
    const y = noGrad(() => tidy(() => {
      const o = runGraph(g, { x: tensor(Float32Array.from(xs), [3, 1, 4, 6]) })['y']!;
      return { shape: o.shape, data: o.toArray() };
    }));
    assert.deepEqual(y.shape, [3, 1, 24]);
    y.data.forEach((v, i) => assert.ok(Math.abs(v - Math.fround(xs[i]!) * Math.fround((i % 24) / 10)) < 1e-6, `y[${i}]`));
  } finally {
    g.dispose();
  }
});

test('batch merged into another axis (attention heads) and split back: the entry that holds it follows from where the batch sits', () => {
  // x [1, 6, 8] -> view(B * 2, 6, 4)-like through [1, 6, 2, 4] and a Transpose, then back to [1, 6, 8].
  const bytes = fixedModel('heads', [1, 6, 8], [1, 6, 8], [
    node('split', 'Reshape', ['x', 's1'], ['a']),
    node('heads_first', 'Transpose', ['a'], ['b'], { perm: { kind: 'ints', value: [0, 2, 1, 3] } }),
    node('merge', 'Reshape', ['b', 's2'], ['c']),
    node('back', 'Reshape', ['c', 's3'], ['d']),
    node('unheads', 'Transpose', ['d'], ['e'], { perm: { kind: 'ints', value: [0, 2, 1, 3] } }),
    node('join', 'Reshape', ['e', 's4'], ['y']),
  ], { s1: ints([1, 6, 2, 4]), s2: ints([2, 6, 4]), s3: ints([1, 2, 6, 4]), s4: ints([1, 6, 8]) });
  const g = loadOnnx(bytes);
  try {
    assert.deepEqual(targetOf(g, 'merge'), [-1, 6, 4], 'the 2 stands for batch x heads');
    const xs = Float32Array.from({ length: 3 * 48 }, (_, i) => i);
    const y = noGrad(() => tidy(() => runGraph(g, { x: tensor(xs, [3, 6, 8]) })['y']!.toArray()));
    assert.deepEqual(y, Array.from(xs), 'the round trip gives back every sample unchanged');
  } finally {
    g.dispose();
  }
});

test('where two entries could be the batch, the walk tries the next when the first fails later; a Concat partner of batch 1 is broadcast', () => {
  // torch.cat([x.view(1, B, 4), c.expand(1, B, 4)], 0).transpose(0, 1) at B = 1: the view's target [1, 1, 4] holds
  // the batch in its second entry, which only the Concat on axis 0 (and the output's first axis) can tell.
  const c = [0.5, -1, 2, 3];
  const bytes = fixedModel('cat', [1, 4], [1, 2, 4], [
    node('view', 'Reshape', ['x', 'view_shape'], ['v']),
    node('cat', 'Concat', ['v', 'c'], ['k'], { axis: { kind: 'int', value: 0 } }),
    node('swap', 'Transpose', ['k'], ['y'], { perm: { kind: 'ints', value: [1, 0, 2] } }),
  ], { view_shape: ints([1, 1, 4]), c: { tensor: tensor(Float32Array.from(c), [1, 1, 4], 'float32'), kind: 'constant' } });
  const g = loadOnnx(bytes);
  try {
    assert.deepEqual(targetOf(g, 'view'), [1, -1, 4], 'the batch is the second entry');
    assert.ok(g.nodes.some((n) => n.opType === 'Expand' && n.inputs[0] === 'c'), 'c is broadcast to the batch');
    const xs = Array.from({ length: 12 }, (_, i) => i + 1);
    const y = noGrad(() => tidy(() => {
      const o = runGraph(g, { x: tensor(Float32Array.from(xs), [3, 4]) })['y']!;
      return { shape: o.shape, data: o.toArray() };
    }));
    assert.deepEqual(y.shape, [3, 2, 4]);
    assert.deepEqual(y.data, [0, 1, 2].flatMap((b) => [...xs.slice(4 * b, 4 * b + 4), ...c]));
  } finally {
    g.dispose();
  }
});

test('a graph that mixes samples stays at its batch: batch 1 runs and inspect works, batch 3 is one line naming the node and dynamic_axes, nothing written', async () => {
  const bytes = fixedModel('gram', [1, 4], [1, 16], [
    node('t', 'Transpose', ['x'], ['xt'], { perm: { kind: 'ints', value: [1, 0] } }),
    node('gram', 'MatMul', ['xt', 'x'], ['m']),
    node('flat', 'Reshape', ['m', 'shape'], ['y']),
  ], { shape: ints([1, 16]) });
  const g = loadOnnx(bytes);
  try {
    assert.deepEqual(g.inputs[0]!.shape, [1, 4]);
    noGrad(() => tidy(() => assert.deepEqual(runGraph(g, { x: tensor([1, 2, 3, 4], [1, 4]) })['y']!.shape, [1, 16])));
    assert.throws(() => noGrad(() => tidy(() => runGraph(g, { x: tensor(new Float32Array(12), [3, 4]) }))), (e: unknown) => {
      assert.ok(e instanceof GraphError);
      assert.match(e.message, /input 'x' has batch 3, but the model was exported with a fixed batch of 1 that whittle cannot free: node 'gram' \(MatMul\) .*dynamic_axes=\{'x': \{0: 'N'\}, 'y': \{0: 'N'\}\}\)$/);
      return true;
    });
  } finally {
    g.dispose();
  }
  const model = join(dir, 'gram.onnx');
  const x = join(dir, 'x3.npy');
  const y = join(dir, 'y3.npy');
  writeFileSync(model, bytes);
  writeFileSync(x, tidy(() => npyBytes(tensor(new Float32Array(12), [3, 4]))));
  const shown = await whittle('inspect', model);
  assert.equal(shown.code, 0, `inspect measures the model at its batch: ${shown.err.join('\n')}`);
  assert.ok(shown.out.some((l) => /^input\s+x\s+float32 \[1, 4\]/.test(l)), shown.out.join('\n'));
  const r = await whittle('infer', model, '--input', x, '--output', y);
  assert.equal(r.code, 2);
  assert.equal(r.err.length, 1, r.err.join('\n'));
  assert.match(r.err[0]!, /node 'gram'.*dynamic_axes/);
  assert.ok(!existsSync(y), 'nothing written');
});
