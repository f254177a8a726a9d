// The other forms of multi-head attention the analysis proves (beside nn.MultiheadAttention's, in
// transformer.test.ts): separate Q, K and V projections, heads as [N, H, T, D] (timm's layout, the Reshape target
// copying dims with 0), the scale on the scores and a per-head table added to them (Swin's relative position bias),
// which is cut with its heads. Pruned by heads and by dims: exact against zeroing, and onnxruntime runs the result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { clone, keep, manualSeed, noGrad, randn, tensor, tidy, mul } from '../../src/tensor/index.js';
import { Graph, int, ints, type Initializer } from '../../src/graph/index.js';
import { runGraph } from '../../src/exec/index.js';
import { toOnnxBytes } from '../../src/onnx/index.js';
import { analyzeGroups, prune, zeroRemovedChannels } from '../../src/prune/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { Net, param } from './helpers.js';

const [T, E, H, V] = [6, 16, 4, 20];
const D = E / H;

/** Token ids → embedding → x + attention(LN(x)) → mean over tokens → head. */
function model(): Graph {
  const net = new Net([T]);
  net.inits['emb'] = param([V, E]);
  const x = net.n('Gather', ['emb', 'input'], { axis: int(0) });
  const a = net.layerNorm(x, E, 'ln');
  const split = (v: string, name: string): string => net.n('Reshape', [v, net.constant(`${name}.shape`, [0, T, H, D])]);
  const q = net.n('Transpose', [split(net.matmul(a, E, E, 'q'), 'q')], { perm: ints([0, 2, 1, 3]) });
  const k = net.n('Transpose', [split(net.matmul(a, E, E, 'k'), 'k')], { perm: ints([0, 2, 3, 1]) });
  const v = net.n('Transpose', [split(net.matmul(a, E, E, 'v'), 'v')], { perm: ints([0, 2, 1, 3]) });
  net.inits['rel_bias'] = param([H, T, T]);
  const s = net.n('Add', [net.n('Mul', [net.n('MatMul', [q, k]), net.scalar('scale', 1 / Math.sqrt(D))]), 'rel_bias']);
  const ctx = net.n('Transpose', [net.n('MatMul', [net.n('Softmax', [s], { axis: int(-1) }), v])], { perm: ints([0, 2, 1, 3]) });
  const merged = net.n('Reshape', [ctx, net.constant('merge.shape', [0, 0, E])]);
  const y = net.n('Add', [x, net.matmul(merged, E, E, 'proj')]);
  const pooled = net.n('ReduceMean', [y], { axes: ints([1]), keepdims: int(0) });
  net.inits['head.weight'] = param([3, E]);
  net.n('Gemm', [pooled, 'head.weight'], { transB: int(1) }, ['output'], 'head');
  const inits = new Map<string, Initializer>();
  for (const [name, it] of Object.entries(net.inits)) inits.set(name, { tensor: keep(it.tensor), kind: it.kind });
  return new Graph({ inputs: [{ name: 'input', dtype: 'int64', shape: ['N', T] }], outputs: [{ name: 'output', dtype: 'float32', shape: ['N', 3] }], nodes: net.nodes, initializers: inits, opset: 13 });
}

test('separate Q/K/V, [N, H, T, D] heads, a per-head bias: heads and dims found, the table cut by head, exact', async () => {
  // seeded: the global allocation ranks the heads against the embedding by their random weights, and some draws
  // leave every head
  manualSeed(7);
  const g = model();
  try {
    // larger scores than the init's, so that a wrong softmax would show
    noGrad(() => g.setTensor('rel_bias', tidy(() => keep(mul(randn([H, T, T]), 2)))));
    const kinds = analyzeGroups(g).groups.map((gr) => `${gr.kind} ${gr.units.length}x${gr.unitSize}`).sort();
    assert.deepEqual(kinds, ['embedding 16x1', `heads ${H}x${D}`]);
    const ids = tensor(Array.from({ length: 3 * T }, (_, i) => (i * 7) % V), [3, T], 'int64');
    for (const attention of ['heads', 'dims'] as const) {
      const r = prune(g, { ratio: 0.6, attention, tolerance: 0.05 });
      const zeroed = zeroRemovedChannels(r.plan);
      try {
        const kept = r.groups.find((gr) => gr.kind === (attention === 'heads' ? 'heads' : 'head-dims'))!;
        assert.ok(kept.kept < kept.total, JSON.stringify(r.groups));
        assert.deepEqual(r.graph.initializers.get('rel_bias')!.tensor.shape, [attention === 'heads' ? kept.kept : H, T, T], 'the bias table keeps the heads kept');
        const out = tidy(() => {
          const a = runGraph(r.graph, { input: ids })['output']!;
          assertClose(a, runGraph(zeroed, { input: ids })['output']!.toArray(), { atol: 1e-4, rtol: 1e-4, what: `${attention}: pruned vs zeroed` });
          return a.toArray();
        });
        const session = await ort.InferenceSession.create(toOnnxBytes(r.graph));
        try {
          const o = (await session.run({ input: new ort.Tensor('int64', BigInt64Array.from(ids.toArray(), (v) => BigInt(v)), [3, T]) }))['output']!;
          assertClose(Array.from(o.data as Float32Array), out, { atol: 1e-4, rtol: 1e-4, what: `${attention}: onnxruntime vs whittle` });
        } finally {
          await session.release();
        }
      } finally {
        zeroed.dispose();
        r.graph.dispose();
      }
    }
    ids.dispose();
  } finally {
    g.dispose();
  }
});

test('attention whose weights are read elsewhere is left whole and named by the analysis', () => {
  const g = model();
  try {
    const softmax = g.nodes.find((n) => n.opType === 'Softmax')!;
    const leak = new Graph({ inputs: g.inputs, outputs: [...g.outputs, { name: softmax.outputs[0]!, dtype: 'float32', shape: null }], nodes: g.nodes, initializers: new Map([...g.initializers].map(([k, v]) => [k, { tensor: keep(clone(v.tensor)), kind: v.kind }])), opset: 13 });
    try {
      const dg = analyzeGroups(leak);
      assert.ok(!dg.groups.some((gr) => gr.kind === 'heads'));
      assert.ok(dg.untouched.some((u) => u.node === softmax.name && /attention left whole/.test(u.reason)), JSON.stringify(dg.untouched));
    } finally {
      leak.dispose();
    }
  } finally {
    g.dispose();
  }
});
