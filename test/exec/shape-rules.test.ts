// Shape inference by rules (src/exec/shape-rules.ts, walkShapes) gives what running every node gives: on every
// committed wild export (swin, ViT, text transformer, U-Net, Conv1d/3d, GRU/LSTM, fixed-batch files), the ONNX test
// models and the zoo, each value's shape and dtype from walkShapes (which inferShapes runs) equal those of runGraph
// at batch 1 and 2. A rule
// meets a shape the kernel would refuse: the kernel runs and the error names the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad, tidy, zeros } from '../../src/tensor/index.js';
import { fixedBatchOf, Graph, GraphError } from '../../src/graph/index.js';
import { inferShapes, ruleShapes, runGraph, walkShapes } from '../../src/exec/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { ZOO, buildZooGraph } from '../../src/zoo/index.js';
import { packageRoot } from '../helpers/fixtures.js';
import { tensor } from '../../src/tensor/index.js';

/** Every node output's shape and dtype when the graph runs at `batch`. */
function ranShapes(g: Graph, batch: number): Map<string, string> {
  const names = g.nodes.flatMap((n) => n.outputs.filter((o) => o));
  return noGrad(() => tidy(() => {
    const feeds = Object.fromEntries(g.inputs.map((i) => [i.name, zeros(i.shape!.map((d, k) => (k === 0 ? batch : (d as number))), { dtype: i.dtype })]));
    const out = runGraph(g, feeds, { extraOutputs: names });
    return new Map(names.map((n) => [n, `${out[n]!.dtype} [${out[n]!.shape.join(', ')}]`]));
  }));
}

function checkGraph(what: string, g: Graph): void {
  const fixed = fixedBatchOf(g)?.batch;
  for (const batch of fixed === undefined ? [1, 2] : [fixed]) {
    const feeds = Object.fromEntries(g.inputs.map((i) => [i.name, i.shape!.map((d, k) => (k === 0 ? batch : (d as number)))]));
    const walked = walkShapes(g, feeds, (name) => g.inputs.find((i) => i.name === name)!.dtype);
    for (const [name, want] of ranShapes(g, batch)) {
      const v = walked.get(name);
      assert.ok(v, `${what}: no shape for '${name}'`);
      assert.equal(`${v.dtype} [${v.shape.join(', ')}]`, want, `${what}: '${name}' at batch ${batch}`);
    }
  }
  inferShapes(g);
}

const root = packageRoot();
const wild = join(root, 'test', 'fixtures', 'wild');
const onnxDir = join(root, 'test', 'fixtures', 'onnx');
const files = [
  ...readdirSync(wild).map((d) => join(wild, d, 'model.onnx')),
  ...readdirSync(onnxDir).map((d) => join(onnxDir, d, 'model.onnx')),
].filter((p) => existsSync(p));

test('inferShapes by rules equals running every node: committed ONNX models (wild exports, fixed batch included)', () => {
  assert.ok(files.length >= 20, `${files.length} models found`);
  for (const p of files) {
    const g = loadOnnx(p);
    try {
      if (g.inputs.some((i) => !i.shape || i.shape.slice(1).some((d) => typeof d !== 'number'))) continue;
      checkGraph(p.slice(root.length + 1), g);
    } finally {
      g.dispose();
    }
  }
});

test('inferShapes by rules equals running every node: the zoo', () => {
  for (const arch of ZOO) {
    const g = buildZooGraph(arch, { input: [3, 32, 32], classes: 10 });
    try {
      checkGraph(arch, g);
    } finally {
      g.dispose();
    }
  }
});

test('a rule gives no shape where the kernel would refuse one; inferShapes then names the node', () => {
  const f32 = (shape: number[]) => ({ shape, dtype: 'float32' as const });
  const node = (opType: string, attrs: Graph['nodes'][number]['attrs'] = {}) => ({ name: 'n', opType, domain: '', inputs: ['a', 'b'], outputs: ['y'], attrs });
  assert.equal(ruleShapes(node('MatMul'), [f32([2, 3]), f32([4, 5])]), undefined);
  assert.equal(ruleShapes(node('Add'), [f32([2, 3]), f32([2, 4])]), undefined);
  assert.equal(ruleShapes(node('Conv', { group: { kind: 'int', value: 1 } }), [f32([1, 3, 8, 8]), f32([4, 2, 3, 3])]), undefined);
  assert.equal(ruleShapes(node('Gemm', { transB: { kind: 'int', value: 1 } }), [f32([2, 3]), f32([4, 5])]), undefined);
  assert.deepEqual(ruleShapes(node('MatMul'), [f32([7, 2, 3]), f32([3, 5])]), [f32([7, 2, 5])]);
  assert.deepEqual(ruleShapes(node('Conv', { strides: { kind: 'ints', value: [2, 2] }, pads: { kind: 'ints', value: [1, 1, 1, 1] } }), [f32([1, 3, 8, 8]), f32([4, 3, 3, 3])]), [f32([1, 4, 4, 4])]);
  const w = tensor(new Float32Array(4 * 2 * 9), [4, 2, 3, 3]);
  const g = new Graph({
    name: 'bad', opset: 13, metadata: {},
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, 8, 8] }], outputs: [{ name: 'y', dtype: 'float32', shape: null }],
    nodes: [{ name: 'conv_bad', opType: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['y'], attrs: {} }],
    initializers: new Map([['w', { tensor: w, kind: 'param' }]]),
  });
  try {
    assert.throws(() => inferShapes(g), (e: unknown) => e instanceof GraphError && /conv_bad/.test(e.message));
  } finally {
    g.dispose();
  }
});
