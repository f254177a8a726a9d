// Initializers that an exporter stored once for several layers (torch.onnx.export merges equal tensors, e.g. the
// all-zero biases of an untrained network's folded convs): pruning gives each layer its own copy when the layers'
// channels are cut differently, and leaves a tensor shared when the layers' channels are coupled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { manualSeed, noGrad, randn, sum, tidy } from '../../src/tensor/index.js';
import { int, ints } from '../../src/graph/index.js';
import { runGraph } from '../../src/exec/index.js';
import { checkWidths, channelWidths, cuttable, prune, sharedStatistics } from '../../src/prune/index.js';
import { loadOnnx, saveOnnx } from '../../src/onnx/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { runCli } from '../cli/run-cli.js';
import { modelPath } from '../onnx/helpers.js';
import { assertEquivalent, Net, param } from './helpers.js';

const INPUT = [3, 8, 8] as const;
const pads = { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]), group: int(1) };

/** stem (3->8) -> b (8->8) -> c (8->8), where b and c read stem's bias: three unrelated channel sets, one tensor. */
function sharedBiasNet(): ReturnType<Net['build']> {
  const n = new Net(INPUT);
  const stem = n.n('Relu', [n.conv('input', 3, 8, 3, 'stem')]);
  n.inits['b.weight'] = param([8, 8, 3, 3]);
  const b = n.n('Relu', [n.n('Conv', [stem, 'b.weight', 'stem.bias'], pads, undefined, 'b')]);
  n.inits['c.weight'] = param([8, 8, 3, 3]);
  return n.build(n.n('Relu', [n.n('Conv', [b, 'c.weight', 'stem.bias'], pads, undefined, 'c')]), 8);
}

test('a bias shared by layers whose channels are cut differently is copied per layer, and the cut is exact', () => {
  manualSeed(11);
  const g = sharedBiasNet();
  const r = prune(g, { ratio: 0.5, criterion: 'l2' });
  assert.deepEqual(r.untied, ['stem.bias']);
  assert.equal(r.params.before, g.parameterCount() + 2 * 8, 'the two copies are counted, as PyTorch counts each layer');
  assert.ok(Math.abs(r.achievedRatio - 0.5) <= 0.005, `achieved ${r.achievedRatio}`);
  const reads = (name: string): string | undefined => r.graph.nodes.find((x) => x.name === name)!.inputs[2];
  assert.deepEqual(['stem', 'b', 'c'].map(reads), ['stem.bias', 'stem.bias.untied1', 'stem.bias.untied2']);
  assert.deepEqual(['stem', 'b', 'c'].map((x) => g.nodes.find((y) => y.name === x)!.inputs[2]), ['stem.bias', 'stem.bias', 'stem.bias'], 'the input graph is unchanged');
  // the untied copy computes what the file computes; the pruned graph what that copy computes with the cut zeroed
  tidy(() => {
    const x = randn([2, ...INPUT]);
    assertClose(runGraph(r.plan.dg.graph, { input: x })['output']!, runGraph(g, { input: x })['output']!.toArray(), { atol: 1e-6, what: 'untied vs shared' });
  });
  assertEquivalent(r, INPUT, g);
  r.graph.dispose();
  g.dispose();
});

test('pruning to given widths unties alike; a tensor shared by coupled layers stays shared', () => {
  manualSeed(12);
  const g = sharedBiasNet();
  const widths = { ...channelWidths(g), b: 3 };
  checkWidths(g, widths);
  const w = prune(g, { widths });
  assert.deepEqual(w.untied, ['stem.bias']);
  assert.equal(w.graph.initializers.get('stem.bias.untied1')!.tensor.shape[0], 3);
  w.graph.dispose();
  g.dispose();

  // a residual Add couples a and b's output channels: one cut serves both, so the tensor need not be copied
  const n = new Net(INPUT);
  const a = n.conv('input', 3, 8, 3, 'a');
  n.inits['b.weight'] = param([8, 3, 3, 3]);
  const sum = n.n('Relu', [n.n('Add', [a, n.n('Conv', ['input', 'b.weight', 'a.bias'], pads, undefined, 'b')])]);
  const coupled = n.build(sum, 8);
  const r = prune(coupled, { ratio: 0.5, criterion: 'l2' });
  assert.deepEqual(r.untied, []);
  assert.equal(r.params.before, coupled.parameterCount());
  assert.deepEqual(r.graph.nodes.find((x) => x.name === 'b')!.inputs[2], 'a.bias');
  assertEquivalent(r, INPUT, coupled);
  r.graph.dispose();
  coupled.dispose();
});

test('whittle prune on a file with a shared tensor says what it untied, in text and in --json; the result runs', async () => {
  manualSeed(13);
  const dir = mkdtempSync(join(tmpdir(), 'whittle-untie-'));
  const g = sharedBiasNet();
  await saveOnnx(g, join(dir, 'shared.onnx'));
  g.dispose();
  const text = runCli(['prune', join(dir, 'shared.onnx'), '-o', join(dir, 'a.onnx'), '--ratio', '0.5']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /untied 1 initializer that layers with different channels shared .*'stem\.bias'/);
  const json = runCli(['prune', join(dir, 'shared.onnx'), '-o', join(dir, 'b.onnx'), '--ratio', '0.5', '--json']);
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual((json.lastJson() as { untied: string[] }).untied, ['stem.bias']);
  const session = await ort.InferenceSession.create(join(dir, 'b.onnx'));
  const y = (await session.run({ input: new ort.Tensor('float32', new Float32Array(3 * 64).fill(0.3), [1, ...INPUT]) }))['output']!;
  assert.deepEqual(y.dims, [1, 5]);
});

test('an untrained network exported by torch.onnx.export (merged_inits fixture): the shared zero bias is untied and cut', async () => {
  const g = loadOnnx(modelPath('merged_inits'));
  const convs = g.nodes.filter((n) => n.opType === 'Conv');
  assert.equal(new Set(convs.map((n) => n.inputs[2])).size, 1, 'the file has one bias initializer for its three convs');
  const r = prune(g, { ratio: 0.5, criterion: 'l2' });
  assert.equal(r.untied.length, 1);
  assert.ok(Math.abs(r.achievedRatio - 0.5) <= 0.005, `achieved ${r.achievedRatio}`);
  assertEquivalent(r, [3, 8, 8], g);
  r.graph.dispose();
  g.dispose();
});

test('an untrained network with unfolded BatchNorms (merged_bn_stats fixture): scales, shifts and running statistics get a tensor each, and it trains', () => {
  const g = loadOnnx(modelPath('merged_bn_stats'));
  const bns = (x: typeof g): typeof g.nodes => x.nodes.filter((n) => n.opType === 'BatchNormalization');
  // the exporter read every unit scale and variance through Identity from one tensor, every zero shift and mean from another
  assert.equal(new Set(bns(g).flatMap((n) => n.inputs.slice(1))).size, 2);
  assert.equal(sharedStatistics(g).size, 2);
  const { graph, untied } = cuttable(g);
  try {
    assert.deepEqual(untied.sort(), [...sharedStatistics(g)].sort());
    const slots = bns(graph).flatMap((n) => n.inputs.slice(1).map((v, i) => ({ v, statistic: i >= 2 })));
    assert.equal(new Set(slots.map((s) => s.v)).size, 8, 'four tensors per BatchNorm');
    for (const { v, statistic } of slots) {
      const init = graph.initializers.get(v)!;
      assert.deepEqual([init.kind, init.tensor.requiresGrad], statistic ? ['buffer', false] : ['param', true], v);
    }
    assert.equal(graph.parameterCount(), g.parameterCount() + 16, "the second BatchNorm's scale and shift are its own again");
    tidy(() => {
      const x = randn([2, 3, 8, 8]);
      // (the original reads its trained scale as a running statistic: it runs only without autograd)
      noGrad(() => assertClose(runGraph(graph, { input: x })['output']!, runGraph(g, { input: x })['output']!.toArray(), { atol: 1e-6, what: 'untied = original' }));
      // training mode: a backward through both BatchNorms, each updating its own running statistics
      sum(runGraph(graph, { input: x }, { training: true })['output']!).backward();
      const [first, second] = bns(graph).map((n) => graph.initializers.get(n.inputs[3]!)!.tensor.toArray() as number[]);
      assert.ok(first!.some((m) => m !== 0) && second!.some((m) => m !== 0), 'both means moved');
      assert.notDeepEqual(first, second);
      for (const n of bns(graph)) assert.ok(graph.initializers.get(n.inputs[1]!)!.tensor.grad, 'the scales have gradients');
    });
  } finally {
    if (graph !== g) graph.dispose();
    g.dispose();
  }
});
