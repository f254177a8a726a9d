// Packed Q/K/V as Swin and timm write them: one projection to 3E reshaped to (3, H, D), permuted so the parts come
// first, and Q, K, V picked by Gather (`qkv[0]`, torchvision's Swin) or by Split and Squeeze (`qkv.unbind(0)`, timm);
// a dropout on the weights; Reshapes of the scores around a mask broadcast over the heads (Swin's shifted windows).
// Pruned by heads and by dims: exact against zeroing, and onnxruntime runs the result. Forms not proven stay whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { keep, tensor, tidy } from '../../src/tensor/index.js';
import { float, Graph, int, ints, type Initializer } from '../../src/graph/index.js';
import { runGraph } from '../../src/exec/index.js';
import { toOnnxBytes } from '../../src/onnx/index.js';
import { analyzeGroups, prune, zeroRemovedChannels } from '../../src/prune/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { Net, param } from './helpers.js';

const [T, E, H, V, W] = [6, 16, 4, 20, 2];
const D = E / H;
type Form = { pick: 'gather' | 'unbind'; parts?: [number, number, number]; scores?: 'windows' | 'folded' };

/** Token ids [N, W, T] → embedding → W windows of T tokens → x + attention(LN(x)) with packed qkv → mean → head. */
function model(f: Form): Graph {
  const net = new Net([W, T]);
  net.inits['emb'] = param([V, E]);
  const x = net.n('Reshape', [net.n('Gather', ['emb', 'input'], { axis: int(0) }), net.constant('windows', [-1, T, E])]);
  const a = net.layerNorm(x, E, 'ln', true);
  const qkv = net.n('Reshape', [net.matmul(a, E, 3 * E, 'qkv'), net.constant('qkv.shape', [0, T, 3, H, D])]);
  const packed = net.n('Transpose', [qkv], { perm: ints([2, 0, 3, 1, 4]) });
  const [pq, pk, pv] = f.parts ?? [0, 1, 2];
  let parts: string[];
  if (f.pick === 'gather') {
    parts = [pq, pk, pv].map((i) => net.n('Gather', [packed, net.constant(`part${i}_${net.nodes.length}`, [i])], { axis: int(0) }));
    // scalar indices: the constants above are [1]-shaped, reshape them to scalars
    for (const n of net.nodes.filter((n) => n.opType === 'Gather' && n.inputs[0] === packed)) net.inits[n.inputs[1]!] = { tensor: tensor([Number(n.inputs[1]!.slice(4, 5))], [], 'int64'), kind: 'constant' };
  } else {
    const outs = ['s0', 's1', 's2'];
    net.n('Split', [packed, net.constant('split.sizes', [1, 1, 1])], { axis: int(0) }, outs);
    parts = outs.map((o) => net.n('Squeeze', [o, net.constant(`${o}.axes`, [0])]));
  }
  const q = net.n('Mul', [parts[0]!, net.scalar('scale', 1 / Math.sqrt(D))]);
  const k = net.n('Transpose', [parts[1]!], { perm: ints([0, 1, 3, 2]) });
  net.inits['rel_bias'] = param([1, H, T, T]);
  let s = net.n('Add', [net.n('MatMul', [q, k]), 'rel_bias']);
  if (f.scores) {
    // [N, H, T, T] → [N/W, W, H, T, T] + mask [1, W, 1, T, T] → back (the folded form puts heads and tokens together)
    const windows = f.scores === 'windows';
    const m = windows ? [1, W, 1, T, T] : [1, W, 1, T];
    net.inits['mask'] = { tensor: tensor(Array.from({ length: m.reduce((p, q) => p * q, 1) }, (_, i) => (i % 5 === 0 ? -100 : 0)), m), kind: 'constant' };
    const to = windows ? [-1, W, H, T, T] : [-1, W, H * T, T];
    s = net.n('Reshape', [net.n('Add', [net.n('Reshape', [s, net.constant('win.shape', to)]), 'mask']), net.constant('unwin.shape', [-1, H, T, T])]);
  }
  const w = net.n('Dropout', [net.n('Softmax', [s], { axis: int(-1) })]);
  const ctx = net.n('Transpose', [net.n('MatMul', [w, parts[2]!])], { perm: ints([0, 2, 1, 3]) });
  const merged = net.n('Reshape', [ctx, net.constant('merge.shape', [0, T, E])]);
  const y = net.n('Reshape', [net.n('Add', [x, net.matmul(merged, E, E, 'proj')]), net.constant('unwindows', [-1, W * T, E])]);
  const pooled = net.n('ReduceMean', [y], { axes: ints([1]), keepdims: int(0) });
  net.inits['head.weight'] = param([3, E]);
  net.n('Gemm', [pooled, 'head.weight'], { transB: int(1), alpha: float(1) }, ['output'], 'head');
  const inits = new Map<string, Initializer>();
  for (const [name, it] of Object.entries(net.inits)) inits.set(name, { tensor: keep(it.tensor), kind: it.kind });
  return new Graph({ inputs: [{ name: 'input', dtype: 'int64', shape: ['N', W, T] }], outputs: [{ name: 'output', dtype: 'float32', shape: ['N', 3] }], nodes: net.nodes, initializers: inits, opset: 17 });
}

for (const form of [{ pick: 'gather' }, { pick: 'unbind' }, { pick: 'gather', scores: 'windows' }] as Form[]) {
  test(`packed qkv picked by ${form.pick}${form.scores ? ', scores reshaped around a window mask' : ''}: heads and dims found, exact, runs in onnxruntime`, async () => {
    const g = model(form);
    const ids = tensor(Array.from({ length: 4 * W * T }, (_, i) => (i * 7) % V), [4, W, T], 'int64');
    try {
      // the embedding is kept in the pruning below, so that the heads are what goes
      const kinds = analyzeGroups(g).groups.map((gr) => `${gr.kind} ${gr.units.length}x${gr.unitSize}`).sort();
      assert.deepEqual(kinds, ['embedding 16x1', `heads ${H}x${D}`]);
      for (const attention of ['heads', 'dims'] as const) {
        const r = prune(g, { ratio: 0.65, attention, tolerance: 0.1, pruneEmbedding: false });
        const zeroed = zeroRemovedChannels(r.plan);
        try {
          const kept = r.groups.find((gr) => gr.kind === (attention === 'heads' ? 'heads' : 'head-dims'))!;
          assert.ok(kept.kept < kept.total, JSON.stringify(r.groups));
          assert.deepEqual(r.graph.initializers.get('rel_bias')!.tensor.shape, [1, attention === 'heads' ? kept.kept : H, T, T]);
          assert.deepEqual(r.graph.initializers.get('qkv.weight')!.tensor.shape[1], 3 * (attention === 'heads' ? kept.kept * D : kept.kept * H));
          const out = tidy(() => {
            const o = runGraph(r.graph, { input: ids })['output']!;
            assertClose(o, runGraph(zeroed, { input: ids })['output']!.toArray(), { atol: 1e-4, rtol: 1e-4, what: `${attention}: pruned vs zeroed` });
            return o.toArray();
          });
          const session = await ort.InferenceSession.create(toOnnxBytes(r.graph));
          try {
            const o = (await session.run({ input: new ort.Tensor('int64', BigInt64Array.from(ids.toArray(), (v) => BigInt(v)), [4, W, T]) }))['output']!;
            assertClose(Array.from(o.data as Float32Array), out, { atol: 1e-4, rtol: 1e-4, what: `${attention}: onnxruntime vs whittle` });
          } finally {
            await session.release();
          }
        } finally {
          zeroed.dispose();
          r.graph.dispose();
        }
      }
    } finally {
      ids.dispose();
      g.dispose();
    }
  });
}

const WHOLE: [string, Form, RegExp][] = [
  ['a part picked twice', { pick: 'gather', parts: [0, 0, 2] }, /picked twice/],
  ['scores reshaped with heads folded into tokens', { pick: 'gather', scores: 'folded' }, /does not keep the heads/],
];
for (const [what, form, why] of WHOLE) {
  test(`packed qkv with ${what}: the attention is left whole and named`, () => {
    const g = model(form);
    try {
      const dg = analyzeGroups(g);
      assert.ok(!dg.groups.some((gr) => gr.kind === 'heads'), JSON.stringify(dg.groups.map((gr) => gr.kind)));
      assert.ok(dg.untouched.some((u) => /attention left whole/.test(u.reason) && why.test(u.reason)), JSON.stringify(dg.untouched));
    } finally {
      g.dispose();
    }
  });
}
