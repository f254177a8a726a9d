// Opsets 6–10 read with the semantics of their versions into the one IR, and written back at opset 13 for
// onnxruntime: hand-built one-node models whose meaning changed since (expected values computed here), each run on
// whittle and, converted, in onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { runGraph } from '../../src/exec/index.js';
import { noGrad, tensor, tidy } from '../../src/tensor/index.js';
import { encodeModel, loadOnnx, OnnxError, toOnnxBytes, type ModelProto } from '../../src/onnx/index.js';
import { assertClose } from '../helpers/assert-close.js';

type Attr = { name: string; f?: number; i?: number; s?: string; ints?: number[]; floats?: number[] };
type Init = { name: string; dims: number[]; floats: number[] };

function attr(a: Attr): Record<string, unknown> {
  if (a.f !== undefined) return { name: a.name, type: 1, f: a.f };
  if (a.i !== undefined) return { name: a.name, type: 2, i: a.i };
  if (a.s !== undefined) return { name: a.name, type: 3, s: Buffer.from(a.s) };
  if (a.floats) return { name: a.name, type: 6, floats: a.floats };
  return { name: a.name, type: 7, ints: a.ints };
}

/** A model of one node over float inputs of the given shapes (inits are float initializers). */
function model(opset: number, op: string, inputs: [string, number[]][], attrs: Attr[], inits: Init[] = [], outputs = 1): Uint8Array {
  const info = (name: string, dims?: number[]) => ({ name, type: { tensorType: { elemType: 1, ...(dims ? { shape: { dim: dims.map((d) => ({ dimValue: d })) } } : {}) } } });
  const outs = Array.from({ length: outputs }, (_, k) => `y${k}`);
  const m = {
    irVersion: 3, opsetImport: [{ domain: '', version: opset }], producerName: 'whittle-test',
    graph: {
      name: 'g', node: [{ name: 'n', opType: op, domain: '', input: [...inputs.map(([n]) => n), ...inits.map((i) => i.name)], output: outs, attribute: attrs.map(attr) }],
      input: inputs.map(([n, d]) => info(n, d)), output: outs.map((o) => info(o)),
      initializer: inits.map((i) => ({ name: i.name, dims: i.dims, dataType: 1, floatData: i.floats })),
    },
  };
  return encodeModel(m as unknown as ModelProto);
}

const seq = (n: number, f = (i: number) => i): number[] => Array.from({ length: n }, (_, i) => f(i));

/** Runs the model on whittle and, written at opset 13, in onnxruntime; both must equal `want`. */
async function check(bytes: Uint8Array, feeds: Record<string, { shape: number[]; data: number[] }>, want: number[], what: string): Promise<void> {
  const g = loadOnnx(bytes, { source: what });
  try {
    const got = noGrad(() => tidy(() => runGraph(g, Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, tensor(v.data, v.shape, 'float32')])))[g.outputs[0]!.name]!.toArray()));
    assertClose(got, want, { what: `${what}: whittle` });
    const s = await ort.InferenceSession.create(toOnnxBytes(g));
    try {
      const r = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', Float32Array.from(v.data), v.shape)])));
      assertClose([...(r[g.outputs[0]!.name]!.data as Float32Array)], want, { what: `${what}: onnxruntime at opset 13` });
    } finally {
      await s.release();
    }
  } finally {
    g.dispose();
  }
}

test('opset 6: broadcast with axis unsqueezes the second input (a computed one too); Gemm broadcast; Clip, Pad, Slice attributes', async () => {
  const a = { shape: [2, 3, 2], data: seq(12) };
  const b = { shape: [3], data: [10, 20, 30] };
  const want = a.data.map((v, i) => v + b.data[Math.floor(i / 2) % 3]!);
  await check(model(6, 'Add', [['a', [2, 3, 2]], ['b', [3]]], [{ name: 'broadcast', i: 1 }, { name: 'axis', i: 1 }]), { a, b }, want, 'Add broadcast axis 1');
  await check(model(6, 'Mul', [['a', [2, 3, 2]]], [{ name: 'broadcast', i: 1 }, { name: 'axis', i: 1 }], [{ name: 'w', dims: [3], floats: [1, 2, 3] }]),
    { a }, a.data.map((v, i) => v * (1 + (Math.floor(i / 2) % 3))), 'Mul broadcast axis 1, initializer');
  const x = { shape: [3, 4], data: seq(12, (i) => i - 6) };
  await check(model(6, 'Clip', [['x', [3, 4]]], [{ name: 'min', f: -2 }, { name: 'max', f: 3 }]), { x }, x.data.map((v) => Math.min(Math.max(v, -2), 3)), 'Clip-6');
  await check(model(6, 'Pad', [['x', [3, 4]]], [{ name: 'pads', ints: [0, 1, 0, 0] }, { name: 'value', f: 9 }]), { x }, seq(15, (i) => (i % 5 === 0 ? 9 : x.data[Math.floor(i / 5) * 4 + (i % 5) - 1]!)), 'Pad-2 value');
  await check(model(9, 'Slice', [['x', [3, 4]]], [{ name: 'starts', ints: [1, -3] }, { name: 'ends', ints: [3, 100] }, { name: 'axes', ints: [0, 1] }]), { x }, [-1, 0, 1, 3, 4, 5], 'Slice-1');
});

test('opsets 6–9: BatchNormalization spatial = 0, Dropout is_test, Softmax coerced to 2-D, Upsample 1, 7 and 9', async () => {
  const x = { shape: [2, 2, 3], data: seq(12, (i) => i * 0.5 - 2) };
  const p = (v: number[]): Init[] => ['scale', 'bias', 'mean', 'var'].map((n, k) => ({ name: n, dims: [2, 3], floats: v.map((e, i) => e + k + i * 0.1) }));
  const inits = p([1, 2, 3, 4, 5, 6]);
  const at = (k: number, i: number): number => inits[k]!.floats[i]!;
  const want = x.data.map((v, i) => ((v - at(2, i % 6)) / Math.sqrt(at(3, i % 6) + 1e-5)) * at(0, i % 6) + at(1, i % 6));
  await check(model(7, 'BatchNormalization', [['x', [2, 2, 3]]], [{ name: 'spatial', i: 0 }], inits), { x }, want, 'BatchNormalization-7 spatial 0');
  await check(model(6, 'Dropout', [['x', [2, 2, 3]]], [{ name: 'is_test', i: 1 }, { name: 'ratio', f: 0.3 }]), { x }, x.data, 'Dropout-6 is_test');
  const s = { shape: [2, 2, 3], data: seq(12, (i) => Math.sin(i)) };
  const e = s.data.map(Math.exp);
  const soft = e.map((v, i) => v / e.slice(Math.floor(i / 6) * 6, Math.floor(i / 6) * 6 + 6).reduce((t, u) => t + u, 0));
  await check(model(9, 'Softmax', [['s', [2, 2, 3]]], [{ name: 'axis', i: 1 }]), { s }, soft, 'Softmax-9 axis 1 (over the last two dims)');
  await check(model(9, 'Hardmax', [['s', [2, 2, 3]]], [{ name: 'axis', i: 1 }]), { s }, s.data.map((v, i) => (v === Math.max(...s.data.slice(Math.floor(i / 6) * 6, Math.floor(i / 6) * 6 + 6)) ? 1 : 0)), 'Hardmax-9 axis 1');
  const u = { shape: [1, 1, 2, 2], data: [1, 2, 3, 4] };
  await check(model(7, 'Upsample', [['u', [1, 1, 2, 2]]], [{ name: 'mode', s: 'nearest' }, { name: 'scales', floats: [1, 1, 2, 3] }]), { u },
    [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4], 'Upsample-7 nearest');
  await check(model(6, 'Upsample', [['u', [1, 1, 2, 2]]], [{ name: 'mode', s: 'NEAREST' }, { name: 'height_scale', f: 2 }, { name: 'width_scale', f: 3 }]), { u },
    [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4], 'Upsample-1 (opset 6) height_scale and width_scale');
  await check(model(9, 'Upsample', [['u', [1, 1, 2, 2]]], [{ name: 'mode', s: 'linear' }], [{ name: 'scales', dims: [4], floats: [1, 1, 1, 2] }]), { u },
    [1, 1.5, 2, 2, 3, 3.5, 4, 4], 'Upsample-9 linear (asymmetric)');
});

test('opsets below 6 and above 21 are refused naming the range', () => {
  for (const v of [5, 22]) {
    assert.throws(() => loadOnnx(model(v, 'Relu', [['x', [2]]], [])), (e: unknown) => e instanceof OnnxError && new RegExp(`opset ${v} is not supported; whittle reads ONNX opsets 6 to 21`).test(e.message));
  }
});
