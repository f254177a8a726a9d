// A model's fresh start (train-teacher --init fresh) and new head (--new-head): every weight as a new PyTorch layer
// of its kind starts (nn.Conv2d/ConvTranspose2d/Linear: U(±1/sqrt(fan_in)) from kaiming_uniform_(a=sqrt(5)) and
// the bias rule; norms 1 and 0, running statistics 0 and 1; PReLU 0.25), fresh BatchNorm insertion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, tensor, tidy } from '../../src/tensor/index.js';
import { GraphError, freshInit, insertFreshBatchNorm, int, replaceHead, type Graph } from '../../src/graph/index.js';
import { runGraph } from '../../src/exec/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { Net, param } from '../prune/helpers.js';

const values = (g: Graph, name: string): number[] => g.initializers.get(name)!.tensor.toArray();
const std = (xs: number[]): number => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
};

/** Uniform in ±bound: none outside, and the spread of U(-b, b) (b/sqrt(3)) to 10% for tensors this size. */
function assertUniform(g: Graph, name: string, bound: number): void {
  const xs = values(g, name);
  assert.ok(xs.every((x) => Math.abs(x) <= bound), `${name}: every value within ±${bound}`);
  assert.ok(Math.abs(std(xs) / (bound / Math.sqrt(3)) - 1) < 0.1, `${name}: std ${std(xs)} for U(±${bound})`);
}

/** One of each layer kind freshInit knows, with weights far from any fresh start. */
function everyKind(): Graph {
  const net = new Net([16, 8, 8]);
  let h = net.conv('input', 16, 32, 3, 'conv');
  net.inits['bn.weight'] = param([32]);
  net.inits['bn.bias'] = param([32]);
  net.inits['bn.mean'] = { tensor: tensor(Array(32).fill(3), [32]), kind: 'buffer' };
  net.inits['bn.var'] = { tensor: tensor(Array(32).fill(5), [32]), kind: 'buffer' };
  h = net.n('BatchNormalization', [h, 'bn.weight', 'bn.bias', 'bn.mean', 'bn.var'], {}, undefined, 'bn');
  net.inits['prelu.slope'] = param([32, 1, 1]);
  h = net.n('PRelu', [h, 'prelu.slope'], {}, undefined, 'prelu');
  h = net.conv(h, 32, 32, 3, 'depthwise', { group: 32 });
  h = net.conv(h, 32, 24, 2, 'up', { transpose: true });
  h = net.matmul(net.n('Transpose', [h], { perm: { kind: 'ints', value: [0, 2, 3, 1] } }), 24, 40, 'mlp');
  h = net.layerNorm(h, 40, 'ln');
  h = net.layerNorm(h, 40, 'ln_op', true);
  h = net.n('Transpose', [h], { perm: { kind: 'ints', value: [0, 3, 1, 2] } });
  return net.build(h, 40, 7);
}

test('freshInit starts every layer as PyTorch does: U(±1/sqrt(fan_in)) for conv, transposed conv and linear weights and biases, norms at 1 and 0', () => {
  manualSeed(0);
  const g = everyKind();
  freshInit(g);
  assertUniform(g, 'conv.weight', 1 / Math.sqrt(16 * 9));
  assert.ok(values(g, 'conv.bias').every((x) => Math.abs(x) <= 1 / Math.sqrt(16 * 9)));
  assert.deepEqual(values(g, 'bn.weight'), Array(32).fill(1));
  assert.deepEqual(values(g, 'bn.bias'), Array(32).fill(0));
  assert.deepEqual(values(g, 'bn.mean'), Array(32).fill(0));
  assert.deepEqual(values(g, 'bn.var'), Array(32).fill(1));
  assert.deepEqual(values(g, 'prelu.slope'), Array(32).fill(0.25));
  assertUniform(g, 'depthwise.weight', 1 / Math.sqrt(9)); // fan_in of a depthwise conv: 1 channel x 3 x 3
  assertUniform(g, 'up.weight', 1 / Math.sqrt(24 * 4)); // ConvTranspose2d weight [in, out, k, k]: torch's fan_in is out * k * k
  assertUniform(g, 'mlp.weight', 1 / Math.sqrt(24)); // MatMul by W [in, out]
  assert.ok(values(g, 'mlp.bias').every((x) => Math.abs(x) <= 1 / Math.sqrt(24)), 'the Add after a MatMul: the linear bias rule');
  assert.ok(values(g, 'mlp.bias').some((x) => x !== 0));
  for (const ln of ['ln', 'ln_op']) {
    assert.deepEqual(values(g, `${ln}.weight`), Array(40).fill(1), `${ln} scale`);
    assert.deepEqual(values(g, `${ln}.bias`), Array(40).fill(0), `${ln} bias`);
  }
  assertUniform(g, 'fc.weight', 1 / Math.sqrt(40)); // Gemm with transB: [out, in]
  assert.equal(values(g, 'bn.mean').length, 32);
  // the same seed, the same start
  const first = values(g, 'conv.weight');
  manualSeed(0);
  const again = everyKind();
  freshInit(again);
  assert.deepEqual(values(again, 'conv.weight'), first);
  g.dispose();
  again.dispose();
});

test('freshInit of vgg-small as a graph gives its zoo start: the weights of buildZooGraph under the same seed', () => {
  manualSeed(7);
  const zoo = buildZooGraph('vgg-small', { input: [1, 28, 28], classes: 10 });
  manualSeed(3);
  const g = buildZooGraph('vgg-small', { input: [1, 28, 28], classes: 10 });
  manualSeed(7);
  freshInit(g);
  for (const [name, i] of zoo.initializers) assert.deepEqual(values(g, name), i.tensor.toArray(), name);
  zoo.dispose();
  g.dispose();
});

test('freshInit refuses a weight whose fresh start it does not know, naming it, and changes nothing', () => {
  const net = new Net([4, 6, 6]);
  const h = net.conv('input', 4, 8, 3, 'conv');
  net.inits['scale'] = param([1, 8, 1, 1]); // a layer scale (ConvNeXt's gamma): its start is the architecture's choice
  const g = net.build(net.n('Mul', [h, 'scale'], {}, undefined, 'layer_scale'), 8, 3);
  const before = values(g, 'conv.weight');
  assert.throws(() => freshInit(g), (e: unknown) => e instanceof GraphError && /cannot re-initialise 'scale' \(read by Mul 'layer_scale'\)/.test(e.message));
  assert.deepEqual(values(g, 'conv.weight'), before);
  g.dispose();
});

test('insertFreshBatchNorm puts a new BatchNorm (1, 0, running 0 and 1) after each named conv; the graph still runs', () => {
  manualSeed(0);
  const net = new Net([3, 8, 8]);
  const g = net.build(net.n('Relu', [net.conv('input', 3, 16, 3, 'conv')]), 16, 4);
  const [bn] = insertFreshBatchNorm(g, ['conv']);
  const node = g.nodes.find((n) => n.name === bn)!;
  assert.deepEqual(g.nodes.map((n) => n.opType), ['Conv', 'BatchNormalization', 'Relu', 'GlobalAveragePool', 'Flatten', 'Gemm']);
  assert.deepEqual(node.inputs.slice(1).map((v) => values(g, v)), [Array(16).fill(1), Array(16).fill(0), Array(16).fill(0), Array(16).fill(1)]);
  assert.deepEqual(node.inputs.slice(1).map((v) => g.initializers.get(v)!.kind), ['param', 'param', 'buffer', 'buffer']);
  tidy(() => assert.deepEqual(runGraph(g, { input: tensor(Array(2 * 3 * 64).fill(1), [2, 3, 8, 8]) })['output']!.shape, [2, 4]));
  g.dispose();
});

test('replaceHead gives the last linear layer (Gemm, or MatMul and Add) the new class count, as a new nn.Linear', () => {
  manualSeed(0);
  const net = new Net([3, 8, 8]);
  const g = net.build(net.n('Relu', [net.conv('input', 3, 16, 3, 'conv')]), 16, 10);
  const conv = values(g, 'conv.weight');
  replaceHead(g, 3);
  assert.deepEqual(g.initializers.get('fc.weight')!.tensor.shape, [3, 16]);
  assertUniform(g, 'fc.weight', 1 / Math.sqrt(16));
  assert.equal(g.initializers.get('fc.weight')!.tensor.requiresGrad, true);
  assert.deepEqual(g.outputs[0]!.shape, ['N', 3]);
  assert.deepEqual(values(g, 'conv.weight'), conv, 'the rest is kept');
  tidy(() => assert.deepEqual(runGraph(g, { input: tensor(Array(2 * 3 * 64).fill(1), [2, 3, 8, 8]) })['output']!.shape, [2, 3]));
  g.dispose();

  // torch's Linear on a flattened feature written as MatMul + Add
  const m = new Net([3, 8, 8]);
  const f = m.n('Flatten', [m.n('GlobalAveragePool', [m.conv('input', 3, 16, 3, 'conv')])], { axis: int(1) });
  const out = m.matmul(f, 16, 10, 'head');
  const g2 = m.build(out, 16, 5);
  // build() appended a GAP/Gemm head of its own; make the MatMul+Add the output instead
  g2.nodes.splice(g2.nodes.findIndex((n) => n.name === 'fc'), 1);
  g2.outputs[0] = { name: out, dtype: 'float32', shape: ['N', 10] };
  replaceHead(g2, 4);
  assert.deepEqual(g2.initializers.get('head.weight')!.tensor.shape, [16, 4]);
  assert.deepEqual(g2.initializers.get('head.bias')!.tensor.shape, [4]);
  assert.deepEqual(g2.outputs[0]!.shape, ['N', 4]);
  g2.dispose();
});

test('replaceHead refuses an output that no linear layer makes, naming what does', () => {
  const net = new Net([3, 8, 8]);
  const g = net.build(net.conv('input', 3, 16, 3, 'conv'), 16, 10);
  g.nodes.push({ name: 'softmax', opType: 'Softmax', domain: '', inputs: ['output'], outputs: ['probs'], attrs: { axis: int(1) } });
  g.outputs[0] = { name: 'probs', dtype: 'float32', shape: ['N', 10] };
  assert.throws(() => replaceHead(g, 3), (e: unknown) => e instanceof GraphError && /output probs is made by Softmax 'softmax', not by a linear layer/.test(e.message));
  g.dispose();
});
