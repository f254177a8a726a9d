// Import and export of issue 33's ops: attribute defaults filled in, recurrent nodes with non-default activations
// refused at load naming the node, attributes newer than the written opset dropped or refused, Scatter renamed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, int, string, type Attrs } from '../../src/graph/index.js';
import { decodeModel, encodeModel, loadOnnx, OnnxError, toModelProto, type ModelProto } from '../../src/onnx/index.js';
import { tensor } from '../../src/tensor/index.js';

type Attr = { name: string; type: number; i?: number; s?: Uint8Array; strings?: Uint8Array[] };
const bytesOf = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A model of one node whose inputs are float graph inputs of the given shapes; W and R as initializers. */
function gruModel(attribute: Attr[], opset = 14): Uint8Array {
  const info = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const init = (name: string, dims: number[]) => ({ name, dims, dataType: 1, floatData: new Array<number>(dims.reduce((a, b) => a * b, 1)).fill(0.1) });
  const m = {
    irVersion: 8, opsetImport: [{ domain: '', version: opset }], producerName: 'whittle-test',
    graph: {
      name: 'g', node: [{ name: 'my_gru', opType: 'GRU', domain: '', input: ['x', 'w', 'r'], output: ['y'], attribute }],
      input: [info('x', [5, 2, 3])], output: [info('y', [5, 1, 2, 4])], initializer: [init('w', [1, 12, 3]), init('r', [1, 12, 4])],
    },
  };
  return encodeModel(m as unknown as ModelProto);
}

test('a GRU import fills direction, layout, linear_before_reset and hidden_size', () => {
  const g = loadOnnx(gruModel([]), { source: 'gru.onnx' });
  try {
    const a = g.nodes.find((n) => n.opType === 'GRU')!.attrs;
    assert.deepEqual([a['direction'], a['layout'], a['linear_before_reset'], a['hidden_size']], [string('forward'), int(0), int(0), int(4)]);
  } finally {
    g.dispose();
  }
});

test('a recurrent node with non-default activations is refused at load, naming the node and the activations', () => {
  const acts: Attr = { name: 'activations', type: 8, strings: ['Sigmoid', 'Relu'].map(bytesOf) };
  assert.throws(() => loadOnnx(gruModel([acts]), { source: 'gru.onnx' }), (e: unknown) => {
    assert.ok(e instanceof OnnxError);
    assert.match(e.message, /^gru\.onnx: node 'my_gru' \(GRU\): activations \[Sigmoid, Relu\] are not supported/);
    return true;
  });
});

test('a W whose shape does not fit hidden_size is refused at load', () => {
  assert.throws(() => loadOnnx(gruModel([{ name: 'hidden_size', type: 2, i: 5 }]), { source: 'gru.onnx' }), /node 'my_gru' \(GRU\): W has shape \[1, 12, 3\], expected \[1, 15, input_size\]/);
});

function oneNode(opType: string, attrs: Attrs, opset: number): Graph {
  return new Graph({
    inputs: [{ name: 'x', dtype: 'float32', shape: [3, 3] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: null }],
    nodes: [{ name: 'n', opType, domain: '', inputs: ['x', 'i', 'u'], outputs: ['y'], attrs }],
    initializers: new Map([['i', { kind: 'constant', tensor: tensor([0, 1, 2], [1, 3], 'int64') }], ['u', { kind: 'constant', tensor: tensor([1, 1, 1], [1, 3], 'float32') }]]),
    opset,
  });
}

test('written below opset 14, layout=0 is dropped and layout=1 refused; below 16, reduction none is dropped', () => {
  const g = loadOnnx(gruModel([]), { source: 'gru.onnx' });
  try {
    const written = decodeModel(encodeModel(toModelProto(g, { opset: 13 })), 'out');
    assert.ok(!written.graph!.node.find((n) => n.opType === 'GRU')!.attribute.some((a) => a.name === 'layout'));
  } finally {
    g.dispose();
  }
  const batchFirst = oneNode('GRU', { layout: int(1), direction: string('forward') }, 14);
  assert.throws(() => toModelProto(batchFirst, { opset: 13 }), /layout=1 exists from opset 14; cannot write it at opset 13/);
  batchFirst.dispose();
  const scatter = oneNode('ScatterElements', { axis: int(0), reduction: string('none') }, 16);
  const at13 = toModelProto(scatter, { opset: 13 });
  assert.ok(!at13.graph!.node[0]!.attribute.some((a) => a.name === 'reduction'));
  scatter.dispose();
});

test('the opset-9 Scatter is written as ScatterElements from opset 11', () => {
  const g = oneNode('Scatter', { axis: int(0) }, 11);
  try {
    assert.equal(toModelProto(g, { opset: 13 }).graph!.node[0]!.opType, 'ScatterElements');
  } finally {
    g.dispose();
  }
});

test('Mod of constants folds at import with Python or C signs', () => {
  const c = (name: string, v: number[]) => ({ name, dims: [v.length], dataType: 7, int64Data: v });
  const info = (name: string) => ({ name, type: { tensorType: { elemType: 7, shape: { dim: [{ dimValue: 4 }] } } } });
  const node = (name: string, fmod: number) => ({ name, opType: 'Mod', domain: '', input: ['a', 'b'], output: [`${name}_out`], attribute: [{ name: 'fmod', type: 2, i: fmod }] });
  const m = {
    irVersion: 8, opsetImport: [{ domain: '', version: 13 }], producerName: 'whittle-test',
    graph: {
      name: 'g', input: [info('x')], output: [info('y'), info('z')], initializer: [c('a', [-7, 7, -7, 7]), c('b', [3, -3, -3, 3])],
      node: [node('py', 0), node('c', 1), { name: 'add_y', opType: 'Add', input: ['x', 'py_out'], output: ['y'] }, { name: 'add_z', opType: 'Add', input: ['x', 'c_out'], output: ['z'] }],
    },
  };
  const g = loadOnnx(encodeModel(m as unknown as ModelProto), { source: 'mod.onnx' });
  try {
    assert.deepEqual(g.nodes.map((n) => n.opType), ['Add', 'Add']);
    assert.deepEqual(g.initializers.get('py_out')!.tensor.toArray(), [2, -2, -1, 1]);
    assert.deepEqual(g.initializers.get('c_out')!.tensor.toArray(), [-1, 1, -1, 1]);
  } finally {
    g.dispose();
  }
});
