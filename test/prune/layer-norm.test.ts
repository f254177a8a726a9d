// Channels on another axis (ConvNeXt): Transposes move the channel axis, MatMul acts on the last axis, LayerNorm
// normalises over the channels, a layer scale multiplies them. A LayerNorm that loses channels takes its mean and
// variance over the kept ones, so the pruned graph is not the original with channels zeroed; it is the original
// with channels zeroed and each LayerNorm's statistics restricted to the kept channels (zeroRemovedChannels builds
// that reference). The pruned graphs are run in onnxruntime against it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { manualSeed, randint, randn, tidy, keep } from '../../src/tensor/index.js';
import { int, ints, type Graph } from '../../src/graph/index.js';
import { runGraph } from '../../src/exec/index.js';
import { toOnnxBytes } from '../../src/onnx/index.js';
import { analyzeGroups, prune, zeroRemovedChannels, CRITERIA, IMPORTANCE, type Batch, type PruneResult } from '../../src/prune/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { assertEquivalent, Net, param } from './helpers.js';

const INPUT = [4, 6, 6] as const;
const NHWC = [0, 2, 3, 1];
const NCHW = [0, 3, 1, 2];

/** Stem conv + LayerNorm2d, two ConvNeXt blocks (depthwise conv, LN, MLP on the last axis, layer scale, residual), LayerNorm2d + conv, head. */
function convnext(op: boolean, extra?: (net: Net, stream: string) => string): Graph {
  const net = new Net(INPUT);
  const t = (x: string, perm: number[]): string => net.n('Transpose', [x], { perm: ints(perm) });
  const ln2d = (x: string, c: number, name: string): string => t(net.layerNorm(t(x, NHWC), c, name, op), NCHW);
  let s = ln2d(net.conv('input', 4, 8, 3, 'stem'), 8, 'stem_ln');
  for (const b of ['b1', 'b2']) {
    let h = net.layerNorm(t(net.conv(s, 8, 8, 3, `${b}.dw`, { group: 8 }), NHWC), 8, `${b}.ln`, op);
    h = net.matmul(h, 8, 16, `${b}.fc1`);
    const erf = net.n('Erf', [net.n('Div', [h, net.scalar(`${b}.sqrt2`, Math.SQRT2)])]);
    h = net.n('Mul', [net.n('Mul', [h, net.n('Add', [erf, net.scalar(`${b}.one`, 1)])]), net.scalar(`${b}.half`, 0.5)]);
    h = t(net.matmul(h, 16, 8, `${b}.fc2`), NCHW);
    net.inits[`${b}.gamma`] = param([8, 1, 1]);
    s = net.n('Add', [net.n('Mul', [`${b}.gamma`, h]), s]);
  }
  if (extra) s = extra(net, s);
  return net.build(net.conv(ln2d(s, 8, 'down_ln'), 8, 12, 3, 'down'), 12, 5, op ? 17 : 13);
}

/** The pruned graph in onnxruntime against the original with channels zeroed and LN statistics over kept channels. */
async function checkInOrt(r: PruneResult): Promise<void> {
  const zeroed = zeroRemovedChannels(r.plan);
  const session = await ort.InferenceSession.create(toOnnxBytes(r.graph));
  try {
    const x = tidy(() => keep(randn([3, ...INPUT])));
    const want = tidy(() => runGraph(zeroed, { input: x })['output']!.toArray() as number[]);
    const y = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x.toArray() as number[]), [3, ...INPUT]) });
    x.dispose();
    assert.deepEqual([...y['output']!.dims], [3, 5]);
    assertClose(Array.from(y['output']!.data as Float32Array), want, { atol: 1e-4, rtol: 1e-4, what: 'onnxruntime on the pruned graph vs the restricted original' });
  } finally {
    await session.release();
    zeroed.dispose();
  }
}

for (const op of [false, true]) {
  const kind = op ? 'LayerNormalization op (opset 17)' : 'decomposed LayerNorm (opset 13)';
  test(`ConvNeXt-style graph, ${kind}: one residual-stream group across the Transposes, with every LN in it`, async () => {
    manualSeed(11);
    const g = convnext(op);
    const dg = analyzeGroups(g);
    assert.deepEqual(dg.untouched.map((u) => u.node), ['fc'], JSON.stringify(dg.untouched));
    assert.equal(dg.norms.length, 4);
    const stream = dg.groups.find((x) => x.name === 'stem')!;
    assert.deepEqual([...stream.sources], ['stem', 'b1.dw', 'b1.fc2', 'b2.dw', 'b2.fc2']);
    for (const ln of dg.norms) assert.ok(stream.members.includes(ln.node), `${ln.node} in the stream group`);
    assert.ok(stream.members.includes('b1.fc1') && stream.members.includes('down'), 'consumers of the stream are cut on their inputs');
    assert.deepEqual(dg.groups.map((x) => x.name).sort(), ['b1.fc1', 'b2.fc1', 'down', 'stem']);
    for (const metric of ['params', 'macs'] as const) {
      const r = prune(g, { ratio: 0.5, metric, criterion: 'l2' });
      try {
        assert.ok(Math.abs(r.achievedRatio - 0.5) <= 0.005, `${metric}: achieved ${r.achievedRatio}`);
        assert.ok(r.removed['stem'], 'the stream lost channels, so the LNs did too');
        assert.equal(r.graph.initializers.get('b1.ln.weight')!.tensor.shape[0], 8 - r.removed['stem']!.length);
        assert.equal(r.graph.initializers.get('b1.gamma')!.tensor.shape[0], 8 - r.removed['stem']!.length);
        assert.equal(r.graph.initializers.get('b1.fc1.weight')!.tensor.shape[0], 8 - r.removed['stem']!.length);
        await checkInOrt(r);
      } finally {
        r.graph.dispose();
      }
    }
    g.dispose();
  });
}

test('every criterion scores channels on the last axis (taylor probes [N, 1, 1, C] there) and prunes the ConvNeXt-style graph', () => {
  manualSeed(14);
  const g = convnext(false);
  const data = tidy(() => [0, 1].map(() => ({ x: keep(randn([4, ...INPUT])), y: keep(randint(5, [4])) }))) satisfies Batch[];
  try {
    const scores = IMPORTANCE.taylor(analyzeGroups(g), { reduction: 'sum', batches: () => data });
    assert.ok(scores.every((v) => Number.isFinite(v) && v >= 0) && scores.some((v) => v > 0), 'taylor scores every unit');
    for (const criterion of CRITERIA) {
      const run = (): PruneResult => prune(g, { ratio: 0.4, metric: 'macs', criterion, batches: () => data, seed: 1 });
      if (criterion === 'bn-scale') {
        assert.throws(run, /BatchNormalization/);
        continue;
      }
      const r = run();
      try {
        assert.ok(Math.abs(r.achievedRatio - 0.4) <= 0.004, `${criterion}: achieved ${r.achievedRatio}`);
        assertEquivalent(r, INPUT, g);
      } finally {
        r.graph.dispose();
      }
    }
  } finally {
    for (const b of data) b.x.dispose(), b.y.dispose();
    g.dispose();
  }
});

test('ConvNeXt-style graph with the stream frozen: only the MLP hidden channels go, and zeroing alone is exact', async () => {
  manualSeed(12);
  const g = convnext(false);
  const r = prune(g, { ratio: 0.75, criterion: 'l1', ignore: ['stem'] });
  try {
    assert.deepEqual(Object.keys(r.removed).sort(), ['b1.fc1', 'b2.fc1', 'down'].filter((k) => r.removed[k]));
    assert.ok(r.removed['b1.fc1'] || r.removed['b2.fc1'], 'an MLP lost hidden channels');
    // No LayerNorm lost channels: the reference is the plain zeroed original (no statistics rewritten).
    const zeroed = zeroRemovedChannels(r.plan);
    assert.equal(zeroed.nodes.length, g.nodes.length);
    zeroed.dispose();
    await checkInOrt(r);
  } finally {
    r.graph.dispose();
    g.dispose();
  }
});

test('what the analysis leaves untouched: LN over a non-channel axis, a channel mean read elsewhere, MatMul over W', () => {
  manualSeed(13);
  // LayerNormalization on NCHW normalises over W: it mixes positions, not channels, but it is not a channel norm.
  const a = new Net(INPUT);
  const x = a.conv('input', 4, 8, 3, 'c1');
  const g1 = a.build(a.conv(a.layerNorm(x, 6, 'ln', true), 8, 8, 3, 'c2'), 8, 5, 17);
  const d1 = analyzeGroups(g1);
  assert.ok(d1.untouched.some((u) => u.node === 'ln' && /exactly the channel axis/.test(u.reason)), JSON.stringify(d1.untouched));
  assert.ok(!d1.groups.some((gr) => gr.name === 'c1'), "c1's channels are frozen");
  g1.dispose();

  // The decomposed pattern whose mean also feeds another node is not a LayerNorm: the ReduceMean is left alone.
  const g2 = convnext(false, (net, s) => {
    const t = net.n('Transpose', [s], { perm: ints(NHWC) });
    const m = net.n('ReduceMean', [t], { axes: ints([-1]), keepdims: int(1) });
    return net.n('Add', [s, net.n('Transpose', [net.n('Add', [t, m])], { perm: ints(NCHW) })]);
  });
  const d2 = analyzeGroups(g2);
  assert.ok(d2.untouched.some((u) => /reducemean/.test(u.node) && /channel axis/.test(u.reason)), JSON.stringify(d2.untouched));
  assert.ok(!d2.groups.some((gr) => gr.name === 'stem'), 'the stream is frozen');
  g2.dispose();

  // MatMul on an NCHW value multiplies along W, not the channels.
  const c = new Net(INPUT);
  const y = c.conv('input', 4, 8, 3, 'c1');
  c.inits['w'] = param([6, 6]);
  const g3 = c.build(c.conv(c.n('MatMul', [y, 'w']), 8, 8, 3, 'c2'), 8);
  const d3 = analyzeGroups(g3);
  assert.ok(d3.untouched.some((u) => /matmul/.test(u.node) && /not the input's channel axis/.test(u.reason)), JSON.stringify(d3.untouched));
  g3.dispose();
});
