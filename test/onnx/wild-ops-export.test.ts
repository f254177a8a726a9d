// Issue 33's ops written back to ONNX: one node per case runs on whittle, is exported, read back, and run by
// onnxruntime-node (a second oracle beside PyTorch's fixtures); all three must agree. countMacs counts recurrent nodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { float, Graph, int, ints, string, type Attrs } from '../../src/graph/index.js';
import { countMacs, inferShapes, runGraph } from '../../src/exec/index.js';
import { loadOnnx, toOnnxBytes } from '../../src/onnx/index.js';
import { noGrad, tensor, tidy, type DType, type Tensor } from '../../src/tensor/index.js';
import { assertClose } from '../helpers/assert-close.js';

const randn = (shape: number[], seed: number): Tensor => {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 2), shape, 'float32');
};
const i64 = (v: number[], shape = [v.length]): Tensor => tensor(v, shape, 'int64');
const i32 = (v: number[]): Tensor => tensor(Int32Array.from(v), [v.length], 'int32');
const bool = (v: number[], shape: number[]): Tensor => tensor(Uint8Array.from(v), shape, 'bool');

type Case = { name: string; op: string; opset?: number; attrs?: Attrs; inputs: (() => Tensor | null)[]; outputs?: number };

const CASES: Case[] = [
  { name: 'GRU bidirectional, linear_before_reset=0, sequence_lens', op: 'GRU', attrs: { hidden_size: int(4), direction: string('bidirectional') }, outputs: 2,
    inputs: [() => randn([5, 3, 2], 1), () => randn([2, 12, 2], 2), () => randn([2, 12, 4], 3), () => randn([2, 24], 4), () => i32([5, 2, 4]), () => randn([2, 3, 4], 5)] },
  // onnxruntime runs no layout=1 recurrent node; the backend node tests and the PyTorch fixtures cover that layout.
  { name: 'GRU reverse, linear_before_reset=1', op: 'GRU', opset: 14, attrs: { hidden_size: int(4), direction: string('reverse'), linear_before_reset: int(1) }, outputs: 2,
    inputs: [() => randn([5, 3, 2], 6), () => randn([1, 12, 2], 7), () => randn([1, 12, 4], 8)] },
  { name: 'LSTM with peepholes and initial states', op: 'LSTM', attrs: { hidden_size: int(3) }, outputs: 3,
    inputs: [() => randn([4, 2, 2], 9), () => randn([1, 12, 2], 10), () => randn([1, 12, 3], 11), () => randn([1, 24], 12), () => null, () => randn([1, 2, 3], 13), () => randn([1, 2, 3], 14), () => randn([1, 9], 15)] },
  { name: 'LSTM bidirectional', op: 'LSTM', attrs: { hidden_size: int(3), direction: string('bidirectional') }, outputs: 3,
    inputs: [() => randn([4, 2, 2], 16), () => randn([2, 12, 2], 17), () => randn([2, 12, 3], 18), () => randn([2, 24], 19)] },
  { name: 'RNN with Relu', op: 'RNN', attrs: { hidden_size: int(3), activations: { kind: 'strings', value: ['Relu'] } }, outputs: 2,
    inputs: [() => randn([4, 2, 2], 20), () => randn([1, 3, 2], 21), () => randn([1, 3, 3], 22)] },
  { name: 'Conv 1-D, SAME_UPPER', op: 'Conv', attrs: { auto_pad: string('SAME_UPPER'), strides: ints([2]) }, inputs: [() => randn([2, 3, 9], 23), () => randn([4, 3, 4], 24)] },
  { name: 'ConvTranspose 1-D, output_shape', op: 'ConvTranspose', attrs: { strides: ints([2]), output_shape: ints([12]) }, inputs: [() => randn([1, 2, 5], 25), () => randn([2, 3, 3], 26)] },
  { name: 'MaxPool 3-D, ceil_mode', op: 'MaxPool', attrs: { kernel_shape: ints([2, 2, 2]), strides: ints([2, 2, 2]), ceil_mode: int(1) }, inputs: [() => randn([1, 2, 5, 5, 3], 27)] },
  { name: 'LpPool 1-D', op: 'LpPool', attrs: { kernel_shape: ints([3]), p: int(3), pads: ints([1, 1]) }, inputs: [() => randn([1, 2, 6], 28)] },
  { name: 'GlobalLpPool', op: 'GlobalLpPool', attrs: { p: int(2) }, inputs: [() => randn([2, 3, 4, 4], 29)] },
  { name: 'InstanceNormalization 3-D', op: 'InstanceNormalization', attrs: { epsilon: float(1e-5) }, inputs: [() => randn([2, 3, 2, 3, 2], 30), () => randn([3], 31), () => randn([3], 32)] },
  { name: 'GroupNormalization (opset 18, per-group scale)', op: 'GroupNormalization', opset: 18, attrs: { num_groups: int(2), epsilon: float(1e-5) }, inputs: [() => randn([2, 4, 3], 33), () => randn([2], 34), () => randn([2], 35)] },
  { name: 'Einsum', op: 'Einsum', opset: 12, attrs: { equation: string('bij,bjk->bik') }, inputs: [() => randn([2, 3, 4], 36), () => randn([2, 4, 5], 37)] },
  { name: 'ScatterND, add', op: 'ScatterND', opset: 16, attrs: { reduction: string('add') }, inputs: [() => randn([4, 3], 38), () => i64([1, 3, 1], [3, 1]), () => randn([3, 3], 39)] },
  { name: 'GatherND', op: 'GatherND', inputs: [() => randn([3, 4, 2], 40), () => i64([0, 1, 2, -1], [2, 2])] },
  { name: 'TopK smallest', op: 'TopK', attrs: { axis: int(1), largest: int(0) }, outputs: 2, inputs: [() => randn([3, 6], 41), () => i64([2])] },
  { name: 'OneHot, axis 0, negative index', op: 'OneHot', attrs: { axis: int(0) }, inputs: [() => i64([0, -1, 2, 7], [2, 2]), () => i64([4], []), () => tensor([0, 5], [2], 'float32')] },
  { name: 'NonZero', op: 'NonZero', inputs: [() => bool([1, 0, 0, 1, 1, 0], [2, 3])] },
  { name: 'Range, float', op: 'Range', inputs: [() => tensor([1], [], 'float32'), () => tensor([2.2], [], 'float32'), () => tensor([0.25], [], 'float32')] },
  { name: 'Tile', op: 'Tile', inputs: [() => randn([2, 3], 42), () => i64([2, 1])] },
  { name: 'Trilu lower, k = -1', op: 'Trilu', opset: 14, attrs: { upper: int(0) }, inputs: [() => randn([2, 4, 4], 43), () => i64([-1], [])] },
  { name: 'Mod, fmod=0 on int64', op: 'Mod', inputs: [() => i64([-7, 7, -7, 7]), () => i64([3, -3, -3, 3])] },
  { name: 'Xor', op: 'Xor', inputs: [() => bool([1, 0, 1, 0], [4]), () => bool([1, 1, 0, 0], [4])] },
  { name: 'ArgMin, select_last_index', op: 'ArgMin', attrs: { axis: int(1), keepdims: int(0), select_last_index: int(1) }, inputs: [() => tensor([1, 0, 0, 3, 2, 2], [2, 3], 'float32')] },
  { name: 'Sign', op: 'Sign', inputs: [() => randn([5], 44)] },
  { name: 'Mish', op: 'Mish', opset: 18, inputs: [() => randn([5], 45)] },
];

function graphOf(c: Case, xs: (Tensor | null)[], outDtypes: DType[]): Graph {
  return new Graph({
    inputs: xs.flatMap((t, i) => (t ? [{ name: `in${i}`, dtype: t.dtype, shape: t.shape }] : [])),
    outputs: outDtypes.map((dtype, k) => ({ name: `out${k}`, dtype, shape: null })),
    nodes: [{ name: 'node', opType: c.op, domain: '', inputs: xs.map((t, i) => (t ? `in${i}` : '')), outputs: outDtypes.map((_, k) => `out${k}`), attrs: c.attrs ?? {} }],
    initializers: new Map(),
    opset: c.opset ?? 17,
  });
}

const ORT_TYPES: Partial<Record<DType, ort.Tensor.Type>> = { float32: 'float32', int64: 'int64', int32: 'int32', bool: 'bool' };

for (const c of CASES) {
  test(`${c.op}: ${c.name} — whittle, its export re-read, and onnxruntime agree`, async () => {
    const xs = c.inputs.map((f) => f());
    const feeds: Record<string, Tensor> = {};
    xs.forEach((t, i) => t && (feeds[`in${i}`] = t));
    const n = c.outputs ?? 1;
    const probe = graphOf(c, xs, Array.from({ length: n }, () => 'float32'));
    const first = noGrad(() => runGraph(probe, feeds));
    const want = Array.from({ length: n }, (_, k) => first[`out${k}`]!);
    const g = graphOf(c, xs, want.map((t) => t.dtype));
    const bytes = toOnnxBytes(g);
    const again = loadOnnx(bytes, { source: c.name });
    const back = noGrad(() => runGraph(again, feeds));
    const session = await ort.InferenceSession.create(bytes);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      const data = t.dtype === 'int64' ? BigInt64Array.from(t.toArray(), (v) => BigInt(v)) : t.dtype === 'bool' ? Uint8Array.from(t.toArray()) : t.dtype === 'int32' ? Int32Array.from(t.toArray()) : Float32Array.from(t.toArray());
      ortFeeds[name] = new ort.Tensor(ORT_TYPES[t.dtype]!, data, t.shape);
    }
    const r = await session.run(ortFeeds);
    want.forEach((w, k) => {
      const name = `out${k}`;
      tidy(() => assertClose(back[name]!, { shape: w.shape, dtype: w.dtype, data: w.toArray() }, { atol: 0, rtol: 0, what: `${name} after the round trip` }));
      const o = r[name]!;
      assert.deepEqual([...o.dims], w.shape, `${name}: onnxruntime shape`);
      assertClose(Array.from(o.data as ArrayLike<number | bigint>, Number), w.toArray(), { atol: 1e-5, rtol: 1e-4, what: `${name} vs onnxruntime` });
    });
  });
}

test('countMacs counts a recurrent node as directions x steps x gates x H x (I + H), per sample', () => {
  // As PyTorch exports a batch_first GRU: input [N, T, I], transposed to the node's [T, N, I].
  const g = new Graph({
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 7, 5] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: null }],
    nodes: [
      { name: 't', opType: 'Transpose', domain: '', inputs: ['x'], outputs: ['xt'], attrs: { perm: ints([1, 0, 2]) } },
      { name: 'gru', opType: 'GRU', domain: '', inputs: ['xt', 'w', 'r'], outputs: ['y'], attrs: { hidden_size: int(4), direction: string('bidirectional') } },
    ],
    initializers: new Map([['w', { kind: 'param', tensor: randn([2, 12, 5], 51) }], ['r', { kind: 'param', tensor: randn([2, 12, 4], 52) }]]),
    opset: 17,
  });
  inferShapes(g);
  assert.equal(countMacs(g).total, 2 * 7 * 3 * 4 * (5 + 4));
  assert.equal(g.parameterCount(), 2 * 12 * 5 + 2 * 12 * 4);
  g.dispose();
});
