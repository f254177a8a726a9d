// Kernel behaviour the ONNX backend node tests (onnx 1.12, opsets up to 17) do not reach: the attribute forms of
// opsets 11-12, the opset-18 forms (num_outputs, axes inputs of Reduce* and Pad), and edge cases of the shape ops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float, int, ints, string, type Attrs } from '../../src/graph/index.js';
import { tensor, type Tensor } from '../../src/tensor/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { i64, iota, runNode, type NodeOptions, type Out } from './run-node.js';

const shapes = (outs: Out[]): number[][] => outs.map((o) => o.shape);
const run = (op: string, inputs: (Tensor | null)[], attrs: Attrs = {}, o: NodeOptions = {}): Out => runNode(op, inputs, attrs, o)[0]!;

test('Split: split attribute (opset 11), split input (13), equal parts, num_outputs with a short last part (18)', () => {
  const x = iota([2, 7]);
  assert.deepEqual(shapes(runNode('Split', [x], { axis: int(1), split: ints([3, 4]) }, { opset: 11, outputs: 2 })), [[2, 3], [2, 4]]);
  const [a, b] = runNode('Split', [x, i64([5, 2])], { axis: int(-1) }, { outputs: 2 });
  assert.deepEqual([a!.shape, b!.shape], [[2, 5], [2, 2]]);
  assert.deepEqual(b!.data, [5, 6, 12, 13]);
  assert.deepEqual(shapes(runNode('Split', [iota([6])], {}, { outputs: 3 })), [[2], [2], [2]]);
  assert.deepEqual(shapes(runNode('Split', [x], { axis: int(1), num_outputs: int(3) }, { opset: 18, outputs: 3 })), [[2, 3], [2, 3], [2, 1]]);
  assert.throws(() => runNode('Split', [x], { axis: int(1) }, { outputs: 2 }), /does not split into 2 equal parts/);
});

test('Squeeze and Unsqueeze: axes attribute (opset 11) and input (13); Squeeze without axes drops every 1', () => {
  const x = iota([1, 3, 1, 2]);
  assert.deepEqual(run('Squeeze', [x], { axes: ints([0, -2]) }, { opset: 11 }).shape, [3, 2]);
  assert.deepEqual(run('Squeeze', [x, i64([2])]).shape, [1, 3, 2]);
  assert.deepEqual(run('Squeeze', [x]).shape, [3, 2]);
  assert.throws(() => run('Squeeze', [x, i64([1])]), /cannot squeeze axis 1 of size 3/);
  assert.deepEqual(run('Unsqueeze', [iota([3, 2])], { axes: ints([0, -1]) }, { opset: 11 }).shape, [1, 3, 2, 1]);
  assert.deepEqual(run('Unsqueeze', [iota([3, 2]), i64([3, 1])]).shape, [3, 1, 2, 1]);
});

test('ReduceMean/ReduceSum/ReduceMax: axes attribute, axes input (opset 18), noop_with_empty_axes, keepdims', () => {
  const x = iota([2, 3]);
  for (const [op, want] of [['ReduceMean', [1, 4]], ['ReduceSum', [3, 12]], ['ReduceMax', [2, 5]]] as const) {
    assert.deepEqual(run(op, [x], { axes: ints([1]), keepdims: int(0) }, { opset: 11 }).data, want, `${op} attribute`);
    const y = run(op, [x, i64([-1])], { keepdims: int(1) }, { opset: 18 });
    assert.deepEqual([y.shape, y.data], [[2, 1], want], `${op} input`);
    assert.deepEqual(run(op, [x, null], { noop_with_empty_axes: int(1) }, { opset: 18 }).data, [0, 1, 2, 3, 4, 5], `${op} noop`);
    assert.deepEqual(run(op, [x], {}, { opset: 18 }).shape, [1, 1], `${op} all axes`);
  }
});

test('Pad: constant value, negative pads crop, reflect/edge/wrap on any axis, axes input (opset 18), pads attribute (opset 2 form)', () => {
  const x = iota([2, 3]);
  assert.deepEqual(run('Pad', [x, i64([0, 1, 1, 0]), tensor([9], [])]).data, [9, 0, 1, 2, 9, 3, 4, 5, 9, 9, 9, 9]);
  assert.deepEqual(run('Pad', [x, i64([0, -1, 0, 1])]).data, [1, 2, 0, 4, 5, 0]);
  assert.deepEqual(run('Pad', [x, i64([1, 0, 1, 0])], { mode: string('reflect') }).data, [3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2]);
  assert.deepEqual(run('Pad', [x, i64([0, 2, 0, 1])], { mode: string('edge') }).data, [0, 0, 0, 1, 2, 2, 3, 3, 3, 4, 5, 5]);
  assert.deepEqual(run('Pad', [x, i64([0, 1, 0, 1])], { mode: string('wrap') }).data, [2, 0, 1, 2, 0, 5, 3, 4, 5, 3]);
  const y = run('Pad', [iota([1, 2, 2]), i64([1, 1]), null, i64([1])], { mode: string('reflect') }, { opset: 18 });
  assert.deepEqual([y.shape, y.data], [[1, 4, 2], [2, 3, 0, 1, 2, 3, 0, 1]]);
  assert.deepEqual(run('Pad', [x], { pads: ints([0, 1, 0, 0]), value: float(-1) }, { opset: 11 }).data, [-1, 0, 1, 2, -1, 3, 4, 5]);
});

test('Slice: negative steps, clamped and INT64-sized bounds, int32 bound inputs', () => {
  const x = iota([6]);
  const big = (v: bigint): Tensor => tensor(BigInt64Array.from([v]), [1], 'int64');
  const s = (start: bigint, end: bigint, step?: number): number[] => run('Slice', [x, big(start), big(end), i64([0]), step ? i64([step]) : null]).data;
  const [MAX, MIN] = [2n ** 63n - 1n, -(2n ** 63n)];
  assert.deepEqual(s(-1n, MIN, -2), [5, 3, 1]);
  assert.deepEqual(s(100n, 1n, -1), [5, 4, 3, 2]);
  assert.deepEqual(s(-100n, MAX), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(s(MAX, MIN, -1), [5, 4, 3, 2, 1, 0]);
  assert.deepEqual(s(4n, 2n), []);
  const i32 = (v: number[]): Tensor => tensor(v, [v.length], 'int32');
  assert.deepEqual(run('Slice', [iota([2, 3]), i32([1]), i32([3]), i32([1])]).data, [1, 2, 4, 5]);
});

test('Gather: negative indices on axis 1, a scalar index drops the axis', () => {
  const x = iota([2, 3]);
  assert.deepEqual(run('Gather', [x, i64([-1, 0])], { axis: int(1) }).data, [2, 0, 5, 3]);
  const y = run('Gather', [x, tensor([-1], [], 'int64')], { axis: int(0) });
  assert.deepEqual([y.shape, y.data], [[3], [3, 4, 5]]);
});

test('Shape start/end (opset 15), Expand both ways, ConstantOfShape with an int64 value, Cast', () => {
  const x = iota([2, 3, 4]);
  assert.deepEqual(run('Shape', [x], { start: int(-2) }).data, [3, 4]);
  assert.deepEqual(run('Shape', [x], { end: int(10) }).data, [2, 3, 4]);
  assert.deepEqual(run('Expand', [iota([3, 1]), i64([2, 1, 4])]).shape, [2, 3, 4]);
  assert.deepEqual(run('Expand', [iota([3, 1]), i64([1])]).shape, [3, 1]);
  const c = run('ConstantOfShape', [i64([2, 2])], { value: { kind: 'tensor', value: { dtype: 'int64', shape: [1], data: BigInt64Array.from([7n]) } } });
  assert.deepEqual([c.dtype, c.data], ['int64', [7, 7, 7, 7]]);
  const f = tensor([-1.7, 0, 2.9], [3]);
  assert.deepEqual(run('Cast', [f], { to: int(7) }).data, [-1, 0, 2]);
  assert.deepEqual(run('Cast', [f], { to: int(9) }), { shape: [3], dtype: 'bool', data: [1, 0, 1] });
  assert.throws(() => run('Cast', [f], { to: int(8) }, { name: 'c' }), /node 'c' \(Cast\): a cast to ONNX data type 8 .* is not supported/);
});

test('Softmax/LogSoftmax before opset 13 act on the input flattened to 2-D at axis', () => {
  const x = iota([2, 2, 2], 0.5);
  const old = run('Softmax', [x], { axis: int(1) }, { opset: 11 }).data;
  assertClose(old.slice(0, 4).reduce((a, b) => a + b, 0), 1);
  const v13 = run('Softmax', [x], { axis: int(1) }, { opset: 13 }).data;
  assertClose(v13[0]! + v13[2]!, 1);
  const log = run('LogSoftmax', [x], { axis: int(1) }, { opset: 11 }).data;
  assertClose(log.map(Math.exp), old, { atol: 1e-6 });
});

test('Clip: bounds as attributes (opset < 11), as inputs, or none', () => {
  const x = tensor([-2, 0, 2], [3]);
  assert.deepEqual(run('Clip', [x], { min: float(-1), max: float(1) }, { opset: 6 }).data, [-1, 0, 1]);
  assert.deepEqual(run('Clip', [x, null, tensor([1], [])]).data, [-2, 0, 1]);
  assert.deepEqual(run('Clip', [x]).data, [-2, 0, 2]);
});

test('Dropout: the identity with an all-true mask in inference; scales kept elements and masks when training', () => {
  const x = tensor(Float32Array.from({ length: 1000 }, () => 1), [1000]);
  const [y, m] = runNode('Dropout', [x, tensor([0.25], [])], {}, { outputs: 2 });
  assert.deepEqual([y!.data.every((v) => v === 1), m!.dtype, m!.data.every((v) => v === 1)], [true, 'bool', true]);
  const [yt, mt] = runNode('Dropout', [x, tensor([0.25], [])], {}, { outputs: 2, training: true });
  const kept = mt!.data.filter((v) => v === 1).length;
  assert.ok(kept > 650 && kept < 850, `kept ${kept} of 1000 at ratio 0.25`);
  yt!.data.forEach((v, i) => assertClose(v, mt!.data[i] ? 1 / 0.75 : 0));
});

test('LayerNormalization: no bias, scale broadcast over the normalised dims, Mean and InvStdDev outputs', () => {
  const x = tensor([1, 2, 3, 4, 10, 20, 30, 40], [2, 4]);
  const [y, mean, inv] = runNode('LayerNormalization', [x, tensor([2], [1])], { axis: int(-1), epsilon: float(0) }, { opset: 17, outputs: 3 });
  const z = [-1.3416408, -0.4472136, 0.4472136, 1.3416408];
  assertClose(y!.data, [...z, ...z].map((v) => 2 * v), { atol: 1e-5 });
  assert.deepEqual([mean!.shape, mean!.data], [[2, 1], [2.5, 25]]);
  assertClose(inv!.data, [1 / Math.sqrt(1.25), 1 / Math.sqrt(125)], { atol: 1e-6 });
});

test('BatchNormalization: training_mode=1 returns the new running statistics and leaves the inputs alone', () => {
  const x = tensor([0, 2, 4, 6], [2, 2, 1, 1]);
  const mean = tensor([0, 0], [2]);
  const variance = tensor([1, 1], [2]);
  const [, m, v] = runNode('BatchNormalization', [x, tensor([1, 1], [2]), tensor([0, 0], [2]), mean, variance], { momentum: float(0.5), training_mode: int(1) }, { opset: 15, outputs: 3 });
  assertClose(m!.data, [1, 2]);
  assertClose(v!.data, [2.5, 2.5]);
  assert.deepEqual([mean.toArray(), variance.toArray()], [[0, 0], [1, 1]]);
});

test('Pow keeps the base type; Where, Equal, Less, Greater broadcast', () => {
  assert.deepEqual(run('Pow', [tensor([2, 3], [2], 'int64'), tensor([2.5], [1])]), { shape: [2], dtype: 'int64', data: [5, 15] });
  assert.deepEqual(run('Where', [tensor(Uint8Array.from([1, 0]), [2], 'bool'), tensor([1, 2], [2]), tensor([9], [1])]).data, [1, 9]);
  assert.deepEqual(run('Less', [tensor([1, 5], [2]), tensor([3], [])]).data, [1, 0]);
});
