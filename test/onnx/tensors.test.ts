// Initializer encodings: raw_data and the typed fields for every dtype whittle holds, read back exactly, and
// written back as raw_data; Constant node value forms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataType, decodeModel, encodeModel, loadOnnx, toOnnxBytes, type ModelProto } from '../../src/onnx/index.js';

type Init = { name: string; dataType: number; dims: number[] } & Record<string, unknown>;

/** A model whose outputs are its initializers (and one Identity, so that it has a node). */
function model(inits: Init[], extraNodes: { output: string[] }[] = []): Uint8Array {
  const vi = (name: string, elemType: number) => ({ name, type: { tensorType: { elemType } } });
  const m = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      node: [{ opType: 'Identity', input: ['x'], output: ['y'] }, ...extraNodes],
      initializer: inits,
      input: [{ name: 'x', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 2 }] } } } }],
      output: [vi('y', DataType.FLOAT), ...inits.map((i) => vi(i.name, i.dataType)), ...extraNodes.map((n) => vi(n.output[0]!, DataType.FLOAT))],
    },
  } as unknown as ModelProto;
  return encodeModel(m);
}

const raw = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

const CASES: [string, Init, string, number[]][] = [
  ['float raw', { name: 'f_raw', dataType: DataType.FLOAT, dims: [3], rawData: raw(Float32Array.of(1.5, -2, 3)) }, 'float32', [1.5, -2, 3]],
  ['float typed', { name: 'f_typed', dataType: DataType.FLOAT, dims: [2, 2], floatData: [1, 2, 3, 4] }, 'float32', [1, 2, 3, 4]],
  ['double raw', { name: 'd_raw', dataType: DataType.DOUBLE, dims: [2], rawData: raw(Float64Array.of(0.1, 1e300)) }, 'float64', [0.1, 1e300]],
  ['double typed', { name: 'd_typed', dataType: DataType.DOUBLE, dims: [1], doubleData: [2.5] }, 'float64', [2.5]],
  ['int32 raw', { name: 'i32_raw', dataType: DataType.INT32, dims: [2], rawData: raw(Int32Array.of(-7, 2 ** 31 - 1)) }, 'int32', [-7, 2 ** 31 - 1]],
  ['int32 typed', { name: 'i32_typed', dataType: DataType.INT32, dims: [2], int32Data: [5, -5] }, 'int32', [5, -5]],
  ['int64 raw', { name: 'i64_raw', dataType: DataType.INT64, dims: [2], rawData: raw(BigInt64Array.of(-1n, 2n ** 40n)) }, 'int64', [-1, 2 ** 40]],
  ['int64 typed', { name: 'i64_typed', dataType: DataType.INT64, dims: [3], int64Data: [0, -3, 2 ** 33] }, 'int64', [0, -3, 2 ** 33]],
  ['uint8 raw', { name: 'u8_raw', dataType: DataType.UINT8, dims: [3], rawData: Uint8Array.of(0, 128, 255) }, 'uint8', [0, 128, 255]],
  ['uint8 typed', { name: 'u8_typed', dataType: DataType.UINT8, dims: [2], int32Data: [7, 200] }, 'uint8', [7, 200]],
  ['bool raw', { name: 'b_raw', dataType: DataType.BOOL, dims: [3], rawData: Uint8Array.of(1, 0, 1) }, 'bool', [1, 0, 1]],
  ['bool typed', { name: 'b_typed', dataType: DataType.BOOL, dims: [2], int32Data: [0, 1] }, 'bool', [0, 1]],
  ['int8 typed', { name: 'i8_typed', dataType: DataType.INT8, dims: [2], int32Data: [-128, 127] }, 'int8', [-128, 127]],
  ['scalar', { name: 'scalar', dataType: DataType.FLOAT, dims: [], floatData: [4] }, 'float32', [4]],
  ['empty', { name: 'empty', dataType: DataType.FLOAT, dims: [0, 3] }, 'float32', []],
];

test('initializers: raw_data and typed fields of float, double, int32, int64, uint8, bool, int8 read exactly and round-trip as raw_data', () => {
  const bytes = model(CASES.map(([, init]) => init));
  const g = loadOnnx(bytes);
  try {
    for (const [what, init, dtype, values] of CASES) {
      const t = g.initializers.get(init.name)?.tensor;
      assert.ok(t, `${what}: kept`);
      assert.equal(t.dtype, dtype, what);
      assert.deepEqual(t.shape, init.dims, what);
      assert.deepEqual(t.toArray(), values, what);
      assert.equal(g.initializers.get(init.name)!.kind, 'constant', `${what}: not read as a weight`);
    }
    const back = decodeModel(toOnnxBytes(g), 'back');
    assert.ok(back.graph!.initializer.every((t) => t.floatData.length === 0 && t.int32Data.length === 0 && t.int64Data.length === 0), 'written as raw_data');
    const again = loadOnnx(toOnnxBytes(g));
    for (const [what, init, , values] of CASES) assert.deepEqual(again.initializers.get(init.name)!.tensor.toArray(), values, `${what}: round trip`);
    again.dispose();
  } finally {
    g.dispose();
  }
});

test('Constant nodes: value tensor, value_float(s), value_int(s) become initializers', () => {
  const attr = (name: string, type: number, field: Record<string, unknown>) => ({ name, type, ...field });
  const nodes = [
    { opType: 'Constant', input: [], output: ['c_tensor'], attribute: [attr('value', 4, { t: { dataType: DataType.FLOAT, dims: [2], floatData: [1, 2] } })] },
    { opType: 'Constant', input: [], output: ['c_float'], attribute: [attr('value_float', 1, { f: 0.5 })] },
    { opType: 'Constant', input: [], output: ['c_floats'], attribute: [attr('value_floats', 6, { floats: [3, 4] })] },
    { opType: 'Constant', input: [], output: ['c_int'], attribute: [attr('value_int', 2, { i: 9 })] },
    { opType: 'Constant', input: [], output: ['c_ints'], attribute: [attr('value_ints', 7, { ints: [1, -1] })] },
  ];
  const g = loadOnnx(model([], nodes));
  try {
    const v = (n: string) => [g.initializers.get(n)!.tensor.dtype, g.initializers.get(n)!.tensor.shape, g.initializers.get(n)!.tensor.toArray()];
    assert.deepEqual(v('c_tensor'), ['float32', [2], [1, 2]]);
    assert.deepEqual(v('c_float'), ['float32', [], [0.5]]);
    assert.deepEqual(v('c_floats'), ['float32', [2], [3, 4]]);
    assert.deepEqual(v('c_int'), ['int64', [], [9]]);
    assert.deepEqual(v('c_ints'), ['int64', [2], [1, -1]]);
    assert.deepEqual(g.nodes.map((n) => n.opType), ['Identity']);
  } finally {
    g.dispose();
  }
});
