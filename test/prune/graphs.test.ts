// Hand-built graphs for each coupling the analysis knows: Concat offsets, squeeze-excite (1x1 convs and FC with
// Reshape), Split and Slice on channels, folded exports without BN (residual, grouped, depthwise), ConvTranspose,
// and channel shuffles it must leave untouched. Each is pruned and checked against its zeroed original.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed } from '../../src/tensor/index.js';
import { Graph, GraphBuilder, int, ints } from '../../src/graph/index.js';
import { analyzeGroups, prune, type PruneOptions } from '../../src/prune/index.js';
import { assertEquivalent, Net, param, randomizeNorms } from './helpers.js';

const INPUT = [3, 8, 8] as const;

function check(g: Graph, o: Partial<Omit<PruneOptions, 'widths'>> & { ratio?: number } = {}): ReturnType<typeof prune> {
  randomizeNorms(g);
  const r = prune(g, { ratio: 0.5, criterion: 'l2', ...o });
  assert.ok(Math.abs(r.achievedRatio - (o.ratio ?? 0.5)) <= 0.01 * (o.ratio ?? 0.5), `achieved ${r.achievedRatio}`);
  assertEquivalent(r, INPUT, g);
  return r;
}

const head = (b: GraphBuilder, h: string, classes = 5): Graph => b.build(b.linear(b.flatten(b.globalAvgPool(h)), classes, 'fc'), classes);

test('concat: each input is its own group, and the consumer is cut at the concatenated offsets', () => {
  manualSeed(1);
  const b = new GraphBuilder('concat', INPUT);
  const a = b.relu(b.bn(b.conv('input', 8, 3, 'a', { padding: 1, bias: false }), 'a_bn'));
  const c = b.relu(b.conv('input', 12, 1, 'c'));
  const cat = b.node('Concat', [a, c], { axis: int(1) }, 20);
  const g = head(b, b.relu(b.conv(cat, 16, 3, 'd', { padding: 1 })));
  const dg = analyzeGroups(g);
  assert.deepEqual(dg.groups.map((x) => x.name), ['a', 'c', 'd']);
  assert.ok(dg.groups[0]!.members.includes('d') && dg.groups[1]!.members.includes('d'));
  const r = check(g, { ratio: 0.4 });
  assert.ok(r.removed['a'] && r.removed['c'], 'both concat inputs lose channels');
  const dw = r.graph.initializers.get('d.weight')!.tensor.shape;
  assert.equal(dw[1], 20 - r.removed['a']!.length - r.removed['c']!.length);
  r.graph.dispose();
  g.dispose();
});

test('squeeze-excite with 1x1 convs: the expand conv is coupled with the gated channels through the broadcast Mul', () => {
  manualSeed(2);
  const b = new GraphBuilder('se', INPUT);
  const h = b.relu(b.bn(b.conv('input', 16, 3, 'body', { padding: 1, bias: false }), 'body_bn'));
  let s = b.relu(b.conv(b.globalAvgPool(h), 4, 1, 'se.fc1'));
  s = b.node('Sigmoid', [b.conv(s, 16, 1, 'se.fc2')]);
  const y = b.node('Mul', [h, s], {}, 16);
  const g = head(b, b.relu(b.conv(y, 8, 3, 'tail', { padding: 1 })));
  const dg = analyzeGroups(g);
  const body = dg.groups.find((x) => x.name === 'body')!;
  assert.deepEqual([...body.sources], ['body', 'se.fc2']);
  assert.ok(dg.groups.some((x) => x.name === 'se.fc1'));
  const r = check(g, { ratio: 0.4 });
  assert.ok(r.removed['body'] && r.removed['se.fc2']);
  assert.deepEqual(r.removed['body'], r.removed['se.fc2']);
  r.graph.dispose();
  g.dispose();
});

test('squeeze-excite with Gemm and a constant Reshape: the Reshape target follows the kept channels', () => {
  manualSeed(3);
  const n = new Net(INPUT);
  const h = n.n('Relu', [n.conv('input', 3, 16, 3, 'body')]);
  let s = n.n('Flatten', [n.n('GlobalAveragePool', [h])], { axis: int(1) });
  s = n.n('Relu', [n.linear(s, 16, 4, 'se.fc1')]);
  s = n.n('Sigmoid', [n.linear(s, 4, 16, 'se.fc2')]);
  const y = n.n('Mul', [h, n.n('Reshape', [s, n.constant('se_shape', [-1, 16, 1, 1])], {}, undefined, 'se.reshape')]);
  const g = n.build(y, 16);
  const r = check(g);
  assert.ok(r.removed['body']);
  assert.deepEqual(r.removed['body'], r.removed['se.fc2']);
  assert.equal(r.untouched.length, 1, JSON.stringify(r.untouched));
  const rs = r.graph.nodes.find((x) => x.name === 'se.reshape')!;
  assert.deepEqual(r.graph.initializers.get(rs.inputs[1]!)!.tensor.toArray(), [-1, 16 - r.removed['body']!.length, 1, 1]);
  r.graph.dispose();
  g.dispose();
});

test('split and slice on channels: sizes and bounds are rewritten; each part keeps its own consumer', () => {
  manualSeed(4);
  const n = new Net(INPUT);
  const h = n.n('Relu', [n.conv('input', 3, 16, 3, 'stem')]);
  n.n('Split', [h, n.constant('sizes', [8, 8])], { axis: int(1) }, ['p', 'q']);
  const pc = n.conv('p', 8, 6, 1, 'pc');
  const sl = n.n('Slice', ['q', n.constant('starts', [1]), n.constant('ends', [7]), n.constant('axes', [1])]);
  const qc = n.conv(sl, 6, 5, 1, 'qc');
  const g = n.build(n.n('Concat', [pc, qc], { axis: int(1) }), 11);
  const r = check(g, { ratio: 0.6 });
  assert.ok(r.removed['stem'], 'the split source loses channels');
  const split = r.graph.nodes.find((x) => x.opType === 'Split')!;
  const sizes = r.graph.initializers.get(split.inputs[1]!)!.tensor.toArray();
  assert.equal(sizes[0]! + sizes[1]!, 16 - r.removed['stem']!.length);
  r.graph.dispose();
  g.dispose();
});

test('folded export (no BN): residual Add, grouped and depthwise convs, biases carry the coupling', () => {
  manualSeed(5);
  const n = new Net(INPUT);
  const stem = n.n('Relu', [n.conv('input', 3, 16, 3, 'stem')]);
  const a = n.n('Relu', [n.conv(stem, 16, 16, 3, 'b1.conv1')]);
  const res = n.n('Relu', [n.n('Add', [n.conv(a, 16, 16, 3, 'b1.conv2'), stem])]);
  const dw = n.n('Clip', [n.conv(res, 16, 16, 3, 'dw', { group: 16 }), n.constant('lo', [0]), n.constant('hi', [6])]);
  const grouped = n.n('Relu', [n.conv(dw, 16, 24, 3, 'grouped', { group: 4 })]);
  const g = n.build(n.conv(grouped, 24, 12, 1, 'proj'), 12);
  const dg = analyzeGroups(g);
  const stemGroup = dg.groups.find((x) => x.name === 'stem')!;
  // The grouped conv removes whole groups: 4 input channels of the stem group with 6 of its own outputs.
  assert.deepEqual([...stemGroup.sources].sort(), ['b1.conv2', 'dw', 'grouped', 'stem']);
  assert.equal(stemGroup.units.length, 4);
  const r = check(g, { ratio: 0.5 });
  assert.deepEqual(r.removed['stem'], r.removed['b1.conv2']);
  const gn = r.graph.nodes.find((x) => x.name === 'grouped')!;
  const groups = gn.attrs['group']!.value as number;
  assert.equal(r.graph.initializers.get('grouped.weight')!.tensor.shape[0], groups * 6);
  r.graph.dispose();
  g.dispose();
});

test('ConvTranspose (group 1) is cut on both channel axes', () => {
  manualSeed(6);
  const n = new Net(INPUT);
  const h = n.n('Relu', [n.conv('input', 3, 12, 3, 'enc')]);
  const u = n.n('Relu', [n.conv(h, 12, 10, 2, 'up', { transpose: true })]);
  const g = n.build(n.conv(u, 10, 8, 3, 'dec'), 8);
  const r = check(g, { ratio: 0.5, metric: 'macs' });
  assert.ok(r.removed['enc'] && r.removed['up']);
  r.graph.dispose();
  g.dispose();
});

test('channel shuffle (Reshape-Transpose-Reshape) and an unknown op are left untouched and reported', () => {
  manualSeed(7);
  const n = new Net(INPUT);
  const h = n.n('Relu', [n.conv('input', 3, 8, 3, 'pre')]);
  const r5 = n.n('Reshape', [h, n.constant('s5', [0, 2, 4, 8, 8])]);
  const t = n.n('Transpose', [r5], { perm: ints([0, 2, 1, 3, 4]) }, undefined, 'shuffle');
  const back = n.n('Reshape', [t, n.constant('s4', [0, 8, 8, 8])]);
  const c = n.n('Relu', [n.conv(back, 8, 12, 3, 'post')]);
  const sm = n.n('Softmax', [c], { axis: int(1) }, undefined, 'softmax');
  n.inits['ln.scale'] = param([8]);
  const ln = n.n('LayerNormalization', [sm, 'ln.scale'], { axis: int(-1) }, undefined, 'ln');
  const g = n.build(n.conv(ln, 12, 6, 1, 'last'), 6);
  const dg = analyzeGroups(g);
  const reasons = new Map(dg.untouched.map((u) => [u.node, u.reason]));
  assert.match(reasons.get('reshape_1') ?? '', /mixes channels|moves the channel axis/);
  assert.match(reasons.get('softmax') ?? '', /Softmax over the channel axis/);
  assert.match(reasons.get('ln') ?? '', /LayerNormalization over axes other than exactly the channel axis/);
  assert.deepEqual(dg.groups.map((x) => x.name), ['last']);
  assert.throws(() => prune(g, { ratio: 0.8 }), /smallest reachable ratio is 0\.9/);
  const r = prune(g, { ratio: 0.95 });
  assert.deepEqual(Object.keys(r.removed), ['last']);
  assertEquivalent(r, INPUT, g);
  r.graph.dispose();
  g.dispose();
});

test('an NHWC input transposed to NCHW (as tf2onnx writes Keras models): the first conv is prunable like any other', () => {
  manualSeed(9);
  const n = new Net([8, 8, 3]);
  const x = n.n('Transpose', ['input'], { perm: ints([0, 3, 1, 2]) });
  const h = n.n('Relu', [n.conv(n.n('Relu', [n.conv(x, 3, 16, 3, 'first')]), 16, 16, 3, 'second')]);
  const g = n.build(h, 16);
  assert.deepEqual(analyzeGroups(g).groups.map((gr) => gr.name), ['first', 'second']);
  const r = prune(g, { ratio: 0.5, criterion: 'l2' });
  assert.ok(r.removed['first'], 'the first conv loses channels');
  assertEquivalent(r, [8, 8, 3], g);
  r.graph.dispose();
  g.dispose();
});

test('tf2onnx-style channels-last body: Transposes around a conv, ReduceMean over H and W without keepdims, MatMul, Softmax', () => {
  manualSeed(10);
  const n = new Net([8, 8, 3]);
  const a = n.n('Relu', [n.conv(n.n('Transpose', ['input'], { perm: ints([0, 3, 1, 2]) }), 3, 16, 3, 'a')]);
  const b = n.n('Relu', [n.conv(a, 16, 16, 3, 'b')]);
  const pooled = n.n('ReduceMean', [n.n('Transpose', [b], { perm: ints([0, 2, 3, 1]) })], { axes: ints([1, 2]), keepdims: int(0) });
  const logits = n.n('Add', [n.n('MatMul', [pooled, 'dense.weight'], {}, undefined, 'dense'), 'dense.bias']);
  n.inits['dense.weight'] = param([16, 5]);
  n.inits['dense.bias'] = param([5]);
  n.n('Softmax', [logits], { axis: int(-1) }, ['output'], 'softmax');
  const inits = new Map(Object.entries(n.inits).map(([k, v]) => [k, { tensor: v.tensor, kind: v.kind }]));
  const g = new Graph({ inputs: [{ name: 'input', dtype: 'float32', shape: ['N', 8, 8, 3] }], outputs: [{ name: 'output', dtype: 'float32', shape: ['N', 5] }], nodes: n.nodes, initializers: inits, opset: 13 });
  assert.deepEqual(analyzeGroups(g).groups.map((gr) => gr.name), ['a', 'b']);
  const r = prune(g, { ratio: 0.5, criterion: 'l2' });
  assert.ok(r.removed['a'] && r.removed['b'], 'both convs lose channels, the last one through the pooling into the MatMul');
  assert.equal(r.graph.initializers.get('dense.weight')!.tensor.shape[0], 16 - r.removed['b']!.length);
  assertEquivalent(r, [8, 8, 3], g);
  r.graph.dispose();
  g.dispose();
});

test('channels-last flatten (Transpose to NHWC, then Flatten or Reshape to [N, H*W*C], as Keras flattens): every C-th feature is one channel', () => {
  for (const op of ['Flatten', 'Reshape'] as const) {
    manualSeed(11);
    const n = new Net([3, 6, 6]);
    const a = n.n('Relu', [n.conv('input', 3, 8, 3, 'a')]);
    const nhwc = n.n('Transpose', [n.n('Relu', [n.conv(a, 8, 8, 3, 'b')])], { perm: ints([0, 2, 3, 1]) });
    const flat = op === 'Flatten' ? n.n('Flatten', [nhwc], { axis: int(1) }) : n.n('Reshape', [nhwc, n.constant('to', [-1, 6 * 6 * 8])]);
    n.inits['fc.weight'] = param([5, 6 * 6 * 8]);
    n.n('Gemm', [flat, 'fc.weight'], { transB: int(1) }, ['output'], 'fc');
    const inits = new Map(Object.entries(n.inits).map(([k, v]) => [k, { tensor: v.tensor, kind: v.kind }]));
    const g = new Graph({ inputs: [{ name: 'input', dtype: 'float32', shape: ['N', 3, 6, 6] }], outputs: [{ name: 'output', dtype: 'float32', shape: ['N', 5] }], nodes: n.nodes, initializers: inits, opset: 13 });
    assert.deepEqual(analyzeGroups(g).groups.map((gr) => gr.name), ['a', 'b'], op);
    const r = prune(g, { ratio: 0.5, criterion: 'l2' });
    assert.ok(r.removed['b'], `${op}: the conv before the flatten loses channels`);
    assert.equal(r.graph.initializers.get('fc.weight')!.tensor.shape[1], 36 * (8 - r.removed['b']!.length));
    assertEquivalent(r, [3, 6, 6], g);
    r.graph.dispose();
    g.dispose();
  }
});
