// BatchNorm re-insertion: folding matches PyTorch's fuse_conv_bn_eval; inserting leaves the function unchanged;
// folding back equals the BN model in eval mode; the folded export runs in onnxruntime; pruning handles the new BNs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { liveTensors, manualSeed, noGrad, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { Graph, bareConvs, float, foldBatchNorm, foldableBatchNorms, int, ints, type Initializer } from '../../src/graph/index.js';
import { runGraph } from '../../src/exec/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { openDataset } from '../../src/data/index.js';
import { loadOnnx, toOnnxBytes } from '../../src/onnx/index.js';
import { prune } from '../../src/prune/index.js';
import { convsToNormalise, forward, reinsertBatchNorm, sampleTrainBatches } from '../../src/distill/index.js';
import { repoRoot } from '../cli/run-cli.js';
import { assertClose } from '../helpers/assert-close.js';
import { modelPath } from '../onnx/helpers.js';
import { randomizeNorms } from '../prune/helpers.js';

type Flat = { shape: number[]; data: number[] };
type Case = { name: string; groups: number; eps: number; x: Flat; weight: Flat; bias: Flat | null; bn: Record<'weight' | 'bias' | 'running_mean' | 'running_var', Flat>; output: Flat; fusedWeight: Flat; fusedBias: Flat };
const { cases } = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'bn-fold.json'), 'utf8')) as { cases: Case[] };

const t = (f: Flat): Tensor => tensor(Float32Array.from(f.data), f.shape);

function convBnGraph(c: Case): Graph {
  const inits = new Map<string, Initializer>();
  const put = (name: string, f: Flat, kind: Initializer['kind']): string => (inits.set(name, { tensor: t(f), kind }), name);
  const conv = ['x', put('conv.weight', c.weight, 'param'), ...(c.bias ? [put('conv.bias', c.bias, 'param')] : [])];
  const bn = ['h', put('bn.weight', c.bn.weight, 'param'), put('bn.bias', c.bn.bias, 'param'), put('bn.running_mean', c.bn.running_mean, 'buffer'), put('bn.running_var', c.bn.running_var, 'buffer')];
  return new Graph({
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', ...c.x.shape.slice(1)] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: null }],
    nodes: [
      { name: 'conv', opType: 'Conv', domain: '', inputs: conv, outputs: ['h'], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]), dilations: ints([1, 1]), group: int(c.groups) } },
      { name: 'bn', opType: 'BatchNormalization', domain: '', inputs: bn, outputs: ['y'], attrs: { epsilon: float(c.eps), momentum: float(0.9) } },
    ],
    initializers: inits,
  });
}

for (const c of cases) {
  test(`foldBatchNorm (${c.name}) gives PyTorch's fuse_conv_bn_eval weights and bias, and the BN model's output`, () => {
    const g = convBnGraph(c);
    tidy(() => {
      assertClose(runGraph(g, { x: t(c.x) })['y']!, c.output, { atol: 1e-5, what: 'conv+bn output' });
      foldBatchNorm(g, ['bn']);
      assert.deepEqual(g.nodes.map((n) => n.opType), ['Conv']);
      assert.deepEqual([...g.initializers.keys()].sort(), ['conv.bias', 'conv.weight'], 'the BN tensors are dropped, a bias is added when missing');
      assert.equal(g.initializers.get('conv.bias')!.kind, 'param');
      assertClose(g.initializers.get('conv.weight')!.tensor, c.fusedWeight, { atol: 1e-6, what: 'fused weight' });
      assertClose(g.initializers.get('conv.bias')!.tensor, c.fusedBias, { atol: 1e-6, what: 'fused bias' });
      assertClose(runGraph(g, { x: t(c.x) })['y']!, c.output, { atol: 1e-5, what: 'folded output' });
    });
    g.dispose();
  });
}

/** resnet-small with random BN statistics, every BN then folded into its conv: what torch.onnx.export makes of it. */
function foldedResnet(): Graph {
  manualSeed(0);
  const g = buildZooGraph('resnet-small', { input: [1, 28, 28], classes: 10 });
  randomizeNorms(g);
  const bns = g.nodes.filter((n) => n.opType === 'BatchNormalization').map((n) => n.name);
  assert.deepEqual(foldableBatchNorms(g), bns, 'every BN of resnet-small directly follows a conv');
  foldBatchNorm(g, bns);
  return g;
}

const data = () => openDataset('mnist', { trainSubset: 1000, valSize: 100, seed: 0 });
const evalOut = (g: Graph, x: Tensor): number[] => noGrad(() => tidy(() => forward(g, x, false).toArray()));

test('auto re-inserts only into folded graphs: none for vgg-small with its BNs, every conv of a folded resnet-small', () => {
  const vgg = buildZooGraph('vgg-small', { input: [1, 28, 28], classes: 10 });
  assert.equal(bareConvs(vgg).length, 0);
  assert.equal(convsToNormalise(vgg, 'auto').length, 0);
  vgg.dispose();
  const g = foldedResnet();
  const convs = g.nodes.filter((n) => n.opType === 'Conv').length;
  assert.equal(g.nodes.filter((n) => n.opType === 'BatchNormalization').length, 0);
  assert.equal(convsToNormalise(g, 'auto').length, convs);
  assert.equal(convsToNormalise(g, 'on').length, convs);
  assert.equal(convsToNormalise(g, 'off').length, 0);
  g.dispose();
});

test('inserting BN leaves the function unchanged: eval mode to 1e-4, train mode on the calibration batch to 1e-3', async () => {
  const ds = await data();
  const g = foldedResnet();
  const live = liveTensors();
  const [x] = sampleTrainBatches(ds, { count: 1, batchSize: 64, seed: 0, device: 'cpu' }) as [Tensor];
  const before = evalOut(g, x);
  const inserted = reinsertBatchNorm(g, ds, 'auto', { device: 'cpu', seed: 0, batches: 1, batchSize: 64 });
  assert.equal(inserted.length, g.nodes.filter((n) => n.opType === 'Conv').length);
  assert.equal(bareConvs(g).length, 0);
  assertClose(evalOut(g, x), before, { atol: 1e-4, rtol: 1e-4, what: 'eval-mode logits' });
  // training mode normalises with the batch's own statistics: those measured, on this batch
  const running = g.initializers.get(`${inserted[0]}.running_mean`)!.tensor.toArray();
  const train = noGrad(() => tidy(() => forward(g, x, true).toArray()));
  assertClose(train, before, { atol: 1e-3, rtol: 1e-3, what: 'train-mode logits' });
  assertClose(g.initializers.get(`${inserted[0]}.running_mean`)!.tensor.toArray(), running, { atol: 1e-5, what: 'running mean after a step on the same batch' });
  x.dispose();
  g.dispose();
  assert.ok(liveTensors() <= live, 'no tensors leaked');
});

// Issue 37: the inserted nodes held epsilon 1e-5 and momentum 0.9 as float64 and their file as float32, so a step
// resumed from a checkpoint's file updated the running statistics with another momentum (1-ulp drift).
test('inserted BatchNorms hold the attributes their saved file holds (a resumed run computes with the same constants)', async () => {
  const ds = await data();
  const g = foldedResnet();
  const inserted = new Set(reinsertBatchNorm(g, ds, 'auto', { device: 'cpu', seed: 0, batches: 1, batchSize: 64 }));
  const loaded = loadOnnx(toOnnxBytes(g));
  const attrsOf = (h: Graph): unknown[] => h.nodes.filter((n) => inserted.has(n.name)).map((n) => n.attrs);
  assert.equal(attrsOf(g).length, inserted.size);
  assert.deepEqual(attrsOf(g), attrsOf(loaded));
  assert.deepEqual(float(0.1), { kind: 'float', value: Math.fround(0.1) });
  loaded.dispose();
  g.dispose();
});

test('folding back equals the BN model in eval mode (1e-4), and the folded export runs in onnxruntime', async () => {
  const ds = await data();
  const g = foldedResnet();
  const params = g.parameterCount();
  const inserted = reinsertBatchNorm(g, ds, 'on', { device: 'cpu', seed: 0, batches: 2, batchSize: 64 });
  randomizeNorms(g); // as if training had moved the BNs away from the identity
  const [x] = sampleTrainBatches(ds, { count: 1, batchSize: 16, seed: 1, device: 'cpu' }) as [Tensor];
  const withBn = evalOut(g, x);
  foldBatchNorm(g, inserted);
  assert.equal(g.nodes.filter((n) => n.opType === 'BatchNormalization').length, 0);
  assert.equal(g.parameterCount(), params, 'the folded graph has the folded teacher\'s parameter count');
  assertClose(evalOut(g, x), withBn, { atol: 1e-4, rtol: 1e-4, what: 'folded vs BN logits' });
  const s = await ort.InferenceSession.create(toOnnxBytes(g));
  try {
    const input = tidy(() => Float32Array.from(x.toArray()));
    const r = await s.run({ [g.inputs[0]!.name]: new ort.Tensor('float32', input, x.shape) });
    assertClose([...(r[g.outputs[0]!.name]!.data as Float32Array)], withBn, { atol: 1e-4, rtol: 1e-4, what: 'onnxruntime vs BN logits' });
  } finally {
    await s.release();
  }
  x.dispose();
  g.dispose();
});

test('pruning a graph with inserted BNs cuts them with their convs; the pruned graph runs and folds', async () => {
  const ds = await data();
  const g = foldedResnet();
  const inserted = reinsertBatchNorm(g, ds, 'on', { device: 'cpu', seed: 0, batches: 1, batchSize: 64 });
  const r = prune(g, { ratio: 0.5, metric: 'params', criterion: 'l1', roundTo: 1, seed: 0 });
  assert.ok(Math.abs(r.achievedRatio - 0.5) <= 0.01, `achieved ${r.achievedRatio}`);
  const p = r.graph;
  for (const name of inserted) {
    const bn = p.nodes.find((n) => n.name === name)!;
    const conv = p.nodes.find((n) => n.outputs[0] === bn.inputs[0])!;
    const out = p.initializers.get(conv.inputs[1]!)!.tensor.shape[0]!;
    for (const i of bn.inputs.slice(1)) assert.deepEqual(p.initializers.get(i)!.tensor.shape, [out], `${i} follows ${conv.name}'s ${out} channels`);
  }
  assert.ok(r.groups.some((grp) => grp.kept < grp.total), 'channels were removed');
  const [x] = sampleTrainBatches(ds, { count: 1, batchSize: 8, seed: 2, device: 'cpu' }) as [Tensor];
  const withBn = evalOut(p, x);
  foldBatchNorm(p, inserted);
  assertClose(evalOut(p, x), withBn, { atol: 1e-4, rtol: 1e-4, what: 'pruned, folded vs BN logits' });
  x.dispose();
  p.dispose();
  g.dispose();
});

test('convs on globally pooled features (a squeeze-excite gate) get no BatchNorm: it would tie each image to its batch', () => {
  const g = loadOnnx(modelPath('squeeze_excite'));
  const convs = g.nodes.filter((n) => n.opType === 'Conv');
  assert.equal(convs.length, 3, 'the fixture: a 3x3 conv, then the gate\'s reduce and expand 1x1 convs on the ReduceMean-pooled map');
  assert.deepEqual(convsToNormalise(g, 'on').map((n) => n.name), [convs[0]!.name]);
  assert.deepEqual(convsToNormalise(g, 'auto').map((n) => n.name), [convs[0]!.name], 'the gate\'s convs do not count towards auto');
  g.dispose();
});
