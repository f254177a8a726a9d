// Feature distillation: the hint term matches PyTorch (value and gradients); pairs are chosen per spatial
// resolution; the adapters start from the least-squares map; fit trains the adapters with the student.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveTensors, manualSeed, noGrad, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { foldBatchNorm, type Graph } from '../../src/graph/index.js';
import { openDataset } from '../../src/data/index.js';
import { prune } from '../../src/prune/index.js';
import { runGraph } from '../../src/exec/index.js';
import { FeatureDistiller, autoHintPairs, fit, hintTerm, parseHintPairs, reinsertBatchNorm, sampleTrainBatches } from '../../src/distill/index.js';
import { repoRoot } from '../cli/run-cli.js';
import { assertClose } from '../helpers/assert-close.js';

type Flat = { shape: number[]; data: number[] };
type Case = { s: Flat; t: Flat; weight: Flat; bias: Flat; loss: number; gradS: Flat; gradWeight: Flat; gradBias: Flat };
const { cases } = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'hint.json'), 'utf8')) as { cases: Case[] };
const f64 = (f: Flat): Tensor => tensor(Float64Array.from(f.data), f.shape);

cases.forEach((c, i) => {
  test(`hint term ${i + 1} (${c.s.shape[1]} -> ${c.t.shape[1]} channels) matches PyTorch: value and gradients for the student map and the adapter`, () => {
    tidy(() => {
      const [s, w, b] = [f64(c.s), f64(c.weight), f64(c.bias)];
      for (const p of [s, w, b]) p.requiresGrad = true;
      const loss = hintTerm(s, f64(c.t), w, b);
      assertClose(loss.item(), c.loss, { atol: 1e-10, rtol: 1e-9, what: 'loss' });
      loss.backward();
      assertClose(s.grad!, c.gradS, { atol: 1e-10, rtol: 1e-8, what: 'grad s' });
      assertClose(w.grad!, c.gradWeight, { atol: 1e-10, rtol: 1e-8, what: 'grad adapter weight' });
      assertClose(b.grad!, c.gradBias, { atol: 1e-10, rtol: 1e-8, what: 'grad adapter bias' });
    });
  });
});

test('parseHintPairs reads teacher:student pairs and says what a bad one looks like', () => {
  assert.deepEqual(parseHintPairs('a:b, c:d'), [{ teacher: 'a', student: 'b' }, { teacher: 'c', student: 'd' }]);
  assert.throws(() => parseHintPairs('a:b,c'), /expected teacherValue:studentValue pairs separated by commas, got 'c'/);
  assert.throws(() => parseHintPairs(' , '), /no pairs given/);
});

const data = () => openDataset('mnist', { trainSubset: 1000, valSize: 200, seed: 0 });

test('auto pairs: the last feature of each resolution, the same values for a pruned copy, the stage outputs for another architecture', async () => {
  manualSeed(0);
  const ds = await data();
  const teacher = buildZooGraph('vgg-small', { input: [1, 28, 28], classes: 10 });
  const pruned = prune(teacher, { ratio: 0.5, metric: 'params', criterion: 'l1', roundTo: 1, seed: 0 }).graph;
  const other = buildZooGraph('resnet-small', { input: [1, 28, 28], classes: 10 });
  const [x] = sampleTrainBatches(ds, { count: 1, batchSize: 4, seed: 0, device: 'cpu' }) as [Tensor];
  const pairs = autoHintPairs(teacher, pruned, x);
  // vgg-small: two blocks at 28x28, two at 14x14, one at 7x7, each ending in a Relu before the pool
  const relus = teacher.nodes.filter((n) => n.opType === 'Relu').map((n) => n.outputs[0]!);
  assert.deepEqual(pairs, [relus[1], relus[3], relus[4]].map((v) => ({ teacher: v!, student: v! })));
  const cross = autoHintPairs(teacher, other, x);
  const resnetRelus = other.nodes.filter((n) => n.opType === 'Relu').map((n) => n.outputs[0]!);
  // resnet-small: stem + 2 blocks at 28x28 (relu 0..4), 2 blocks at 14x14 (..8), 2 at 7x7 (..12)
  assert.deepEqual(cross.map((p) => p.student), [resnetRelus[4], resnetRelus[8], resnetRelus[12]]);
  x.dispose();
  for (const g of [teacher, pruned, other]) g.dispose();
});

/** vgg-small whose BatchNorm statistics are those of the data (folded, then re-inserted), as in a trained teacher. */
async function calibratedVgg(): Promise<Graph> {
  manualSeed(0);
  const g = buildZooGraph('vgg-small', { input: [1, 28, 28], classes: 10 });
  foldBatchNorm(g, g.nodes.filter((n) => n.opType === 'BatchNormalization').map((n) => n.name));
  reinsertBatchNorm(g, await data(), 'on', { device: 'cpu', seed: 9, batches: 2, batchSize: 128 });
  return g;
}

test('adapters start from the least-squares map: a copy of the teacher has a hint loss near 0, a pruned one below 1', async () => {
  const ds = await data();
  const teacher = await calibratedVgg();
  const pruned = prune(teacher, { ratio: 0.5, metric: 'params', criterion: 'l1', roundTo: 1, seed: 0 }).graph;
  const [x] = sampleTrainBatches(ds, { count: 1, batchSize: 32, seed: 5, device: 'cpu' }) as [Tensor];
  for (const [student, max] of [[teacher, 1e-3], [pruned, 1]] as const) {
    const fd = FeatureDistiller.create(teacher, student, ds, { pairs: 'auto', weight: 1, device: 'cpu', seed: 0, batches: 2, batchSize: 64 });
    const loss = noGrad(() => tidy(() => {
      const t = runGraph(teacher, { input: x }, { extraOutputs: fd.pairs.map((p) => p.teacher) });
      const copy = student.clone();
      const s = runGraph(copy, { input: x }, { training: true, extraOutputs: fd.studentValues });
      copy.dispose();
      return fd.hintLoss(s, t).item();
    }));
    assert.ok(loss >= 0 && loss < max, `hint loss ${loss} (at most ${max})`);
    fd.dispose();
  }
  x.dispose();
  pruned.dispose();
  teacher.dispose();
});

test('named pairs are checked: unknown values and different resolutions are reported together', async () => {
  const ds = await data();
  const teacher = buildZooGraph('vgg-small', { input: [1, 28, 28], classes: 10 });
  const relus = teacher.nodes.filter((n) => n.opType === 'Relu').map((n) => n.outputs[0]!);
  assert.throws(
    () => FeatureDistiller.create(teacher, teacher, ds, { pairs: [{ teacher: 'nope', student: relus[0]! }, { teacher: relus[0]!, student: relus[4]! }], weight: 1, device: 'cpu', seed: 0 }),
    (e: unknown) => {
      assert.match((e as Error).message, /teacher has no 4-D feature value 'nope'; '.*' is 28x28 but '.*' is 7x7/);
      assert.ok(((e as { hint?: string }).hint ?? '').includes(`teacher ${relus[1]} (28x28), ${relus[3]} (14x14), ${relus[4]} (7x7)`), (e as { hint?: string }).hint);
      return true;
    },
  );
  teacher.dispose();
});

test('fit trains the adapters with the student (extraParams, extraOutputs) and leaks nothing', async () => {
  const ds = await data();
  const teacher = await calibratedVgg();
  const student = prune(teacher, { ratio: 0.5, metric: 'params', criterion: 'l1', roundTo: 1, seed: 0 }).graph;
  const fd = FeatureDistiller.create(teacher, student, ds, { pairs: 'auto', weight: 1, device: 'cpu', seed: 0, batches: 1, batchSize: 64 });
  const before = fd.parameters().map((p) => p.toArray());
  const live = liveTensors();
  const r = await fit(student, ds, {
    epochs: 1, batchSize: 100, lr: 0.02, optimizer: 'sgd', weightDecay: 5e-4, seed: 0, device: 'cpu', warmupSteps: 0,
    extraParams: fd.parameters(), extraOutputs: fd.studentValues,
    loss: (logits, y, at) => fd.loss(logits, y, at.x, at.values, { temperature: 4, alpha: 0.9 }),
  });
  assert.equal(r.stopped, undefined);
  assert.ok(r.epochs[0]!.trainLoss < 3, `train loss ${r.epochs[0]!.trainLoss}`);
  fd.parameters().forEach((p, i) => assert.notDeepEqual(p.toArray(), before[i], `adapter tensor ${i} was trained`));
  assert.ok(liveTensors() <= live, `no tensors leaked (${liveTensors()} vs ${live})`);
  fd.dispose();
  student.dispose();
  teacher.dispose();
});
