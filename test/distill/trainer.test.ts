import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clone, crossEntropy, detach, isfinite, keep, liveTensors, manualSeed, mul, noGrad, sum, tidy, zerosLike, type Tensor } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { openDataset } from '../../src/data/index.js';
import { disposeSnapshot, evaluateGraph, fit, restore, snapshot, type FitCheckpoint, type Snapshot } from '../../src/distill/index.js';

const small = () => openDataset('mnist', { trainSubset: 2000, valSize: 500, seed: 0 });

test('fit trains a graph: validation accuracy rises well above chance, the best epoch is kept', async () => {
  manualSeed(0);
  const ds = await small();
  const g = buildZooGraph('lenet5', { input: ds.shape, classes: 10 });
  const before = (await evaluateGraph(g, ds, 'val')).accuracy;
  const r = await fit(g, ds, { epochs: 2, batchSize: 64, lr: 0.05, optimizer: 'sgd', weightDecay: 5e-4, seed: 0, device: 'cpu' });
  assert.equal(r.epochs.length, 2);
  assert.ok(r.bestValAccuracy > 0.6 && r.bestValAccuracy > before + 0.3, `val accuracy ${r.bestValAccuracy} (from ${before})`);
  const after = (await evaluateGraph(g, ds, 'val')).accuracy;
  assert.equal(after, r.bestValAccuracy, 'the graph holds the best epoch');
  assert.equal(r.epochs.find((e) => e.epoch === r.bestEpoch)!.valAccuracy, r.bestValAccuracy);
  g.dispose();
});

test('fit is deterministic for a seed and thread count', async () => {
  const ds = await small();
  const run = async (): Promise<number[]> => {
    manualSeed(3);
    const g = buildZooGraph('mlp', { input: ds.shape, classes: 10 });
    const r = await fit(g, ds, { epochs: 1, batchSize: 100, lr: 0.1, optimizer: 'adamw', weightDecay: 0.01, seed: 3, device: 'cpu' });
    g.dispose();
    return r.epochs.flatMap((e) => [e.trainLoss, e.valAccuracy]);
  };
  assert.deepEqual(await run(), await run());
});

test('a non-finite loss stops training with the last good weights, and says so', async () => {
  manualSeed(0);
  const ds = await small();
  const g = buildZooGraph('mlp', { input: ds.shape, classes: 10 });
  const live = liveTensors();
  let calls = 0;
  const r = await fit(g, ds, {
    epochs: 2, batchSize: 100, lr: 0.05, optimizer: 'sgd', weightDecay: 0, seed: 0, device: 'cpu',
    // a well-behaved loss, except that the fifth batch's is NaN
    loss: (logits: Tensor) => sum(mul(logits, ++calls === 5 ? NaN : 0.001)),
  }).catch((e: unknown) => e as Error);
  if (r instanceof Error) throw r;
  assert.match(r.stopped ?? '', /non-finite training loss \(NaN\) at epoch 1, batch 5; kept the weights of epoch start/);
  for (const p of g.parameters()) assert.ok(tidy(() => isfinite(p).toArray().every((v) => v === 1)), 'weights stay finite');
  assert.equal(liveTensors(), live, 'no tensors leaked');
  g.dispose();
});

test('early stopping: no better validation accuracy for `patience` epochs ends training, and says so', async () => {
  manualSeed(0);
  const ds = await small();
  const g = buildZooGraph('mlp', { input: ds.shape, classes: 10 });
  // a learning rate too small to change a prediction: validation accuracy stays where it starts
  const r = await fit(g, ds, { epochs: 5, batchSize: 500, lr: 1e-12, optimizer: 'sgd', weightDecay: 0, seed: 0, device: 'cpu', patience: 2 });
  assert.equal(r.epochs.length, 3);
  assert.equal(r.bestEpoch, 1);
  assert.match(r.stopped ?? '', /early stop: no better validation accuracy for 2 epochs/);
  g.dispose();
});

test('until stops after an epoch on the whole schedule and hands back the optimizer state; resuming from it ends as one fit', async () => {
  const ds = await small();
  const opts = { epochs: 2, batchSize: 100, lr: 0.1, optimizer: 'sgd', weightDecay: 5e-4, seed: 4, device: 'cpu' } as const;
  const start = (): ReturnType<typeof buildZooGraph> => {
    manualSeed(4);
    return buildZooGraph('mlp', { input: ds.shape, classes: 10 });
  };
  const whole = start();
  const all = await fit(whole, ds, opts);
  whole.dispose();
  const g = start();
  const updates: number[] = [];
  const first = await fit(g, ds, { ...opts, until: 1, afterUpdate: (t, total) => updates.push(t, total) });
  assert.equal(first.epochs.length, 1);
  assert.deepEqual(updates.slice(-2), [20, 40], 'afterUpdate counts updates over the whole schedule (20 of 40)');
  assert.ok(first.state && Object.keys(first.state.tensors).length > 0, 'momentum buffers are handed back');
  const rest = await fit(g, ds, { ...opts, resume: { epochs: first.epochs, bestEpoch: first.bestEpoch, bestValAccuracy: first.bestValAccuracy, optimizer: first.state, best: null } });
  for (const t of Object.values(first.state.tensors)) t.dispose();
  g.dispose();
  assert.deepEqual(rest.epochs.map((e) => [e.trainLoss, e.valAccuracy]), all.epochs.map((e) => [e.trainLoss, e.valAccuracy]));
});

test("schedule 'onecycle' trains on its own schedule, and stopped after an epoch and resumed ends as one fit", async () => {
  const ds = await small();
  const opts = { epochs: 2, batchSize: 100, lr: 0.1, optimizer: 'sgd', weightDecay: 5e-4, seed: 4, device: 'cpu', schedule: 'onecycle' } as const;
  const start = (): ReturnType<typeof buildZooGraph> => {
    manualSeed(4);
    return buildZooGraph('mlp', { input: ds.shape, classes: 10 });
  };
  const rows = (r: { epochs: { trainLoss: number; valAccuracy: number }[] }): number[][] => r.epochs.map((e) => [e.trainLoss, e.valAccuracy]);
  const [whole, cosine] = [start(), start()];
  const all = await fit(whole, ds, opts);
  const other = await fit(cosine, ds, { ...opts, schedule: 'cosine' });
  assert.notDeepEqual(rows(all), rows(other), 'not the cosine run');
  const g = start();
  const first = await fit(g, ds, { ...opts, until: 1 });
  const rest = await fit(g, ds, { ...opts, resume: { epochs: first.epochs, bestEpoch: first.bestEpoch, bestValAccuracy: first.bestValAccuracy, optimizer: first.state!, best: null } });
  for (const t of Object.values(first.state!.tensors)) t.dispose();
  for (const x of [whole, cosine, g]) x.dispose();
  assert.deepEqual(rows(rest), rows(all));
});

test('selectFrom: epochs before it are reported but never kept as the best', async () => {
  const ds = await small();
  // epoch 2 trains towards class 0 only, so its validation accuracy falls below epoch 1's
  const loss = (logits: Tensor, y: Tensor, at: { epoch: number }): Tensor => crossEntropy(logits, at.epoch === 1 ? y : zerosLike(y));
  const run = async (selectFrom?: number) => {
    manualSeed(5);
    const g = buildZooGraph('mlp', { input: ds.shape, classes: 10 });
    const r = await fit(g, ds, { epochs: 2, batchSize: 100, lr: 0.1, optimizer: 'sgd', weightDecay: 5e-4, seed: 5, device: 'cpu', loss, ...(selectFrom ? { selectFrom } : {}) });
    const held = (await evaluateGraph(g, ds, 'val')).accuracy;
    g.dispose();
    return { ...r, held };
  };
  const free = await run();
  assert.ok(free.epochs[1]!.valAccuracy < free.epochs[0]!.valAccuracy, 'epoch 2 is worse');
  assert.equal(free.bestEpoch, 1);
  const late = await run(2);
  assert.equal(late.epochs.length, 2);
  assert.equal(late.bestEpoch, 2);
  assert.equal(late.bestValAccuracy, late.epochs[1]!.valAccuracy);
  assert.equal(late.held, late.bestValAccuracy, 'the graph holds epoch 2');
});

test('ema: validation and the result use the moving average of the weights, with its warm-up', async () => {
  const ds = await small();
  manualSeed(6);
  const g = buildZooGraph('mlp', { input: ds.shape, classes: 10 });
  const name = g.tensorsOf('param')[0]![0];
  const weight = (): number[] => g.initializers.get(name)!.tensor.toArray();
  const decay = 0.9;
  let avg = weight();
  const r = await fit(g, ds, {
    epochs: 1, batchSize: 100, lr: 0.1, optimizer: 'sgd', weightDecay: 5e-4, seed: 6, device: 'cpu', ema: decay,
    afterUpdate: (n) => {
      const d = Math.min(decay, (1 + n) / (10 + n));
      avg = weight().map((w, i) => d * avg[i]! + (1 - d) * w);
    },
  });
  const held = weight();
  const off = held.reduce((m, w, i) => Math.max(m, Math.abs(w - avg[i]!)), 0);
  assert.ok(off < 1e-5, `the graph holds the average (largest difference ${off})`);
  assert.equal((await evaluateGraph(g, ds, 'val')).accuracy, r.bestValAccuracy, 'the reported accuracy is the average\'s');
  await assert.rejects(fit(g, ds, { epochs: 1, batchSize: 100, lr: 0.1, optimizer: 'sgd', weightDecay: 0, seed: 6, device: 'cpu', ema: 1 }), /ema: must be in \[0, 1\), got 1/);
  g.dispose();
});

test('ema: a fit resumed from an epoch-end checkpoint ends as one uninterrupted fit', async () => {
  const ds = await small();
  const opts = { epochs: 2, batchSize: 100, lr: 0.1, optimizer: 'sgd', weightDecay: 5e-4, seed: 7, device: 'cpu', ema: 0.95 } as const;
  const start = (): ReturnType<typeof buildZooGraph> => {
    manualSeed(7);
    return buildZooGraph('mlp', { input: ds.shape, classes: 10 });
  };
  const whole = start();
  const all = await fit(whole, ds, opts);
  const wholeWeights = whole.tensorsOf('param').map(([, t]) => t.toArray());
  whole.dispose();
  const g = start();
  let saved: { fc: FitCheckpoint; weights: Snapshot } | null = null;
  const copy = (t: Tensor): Tensor => noGrad(() => keep(clone(detach(t))));
  await fit(g, ds, {
    ...opts, until: 1,
    onCheckpoint: async (fc) => {
      const copies = (o: Record<string, Tensor>): Record<string, Tensor> => Object.fromEntries(Object.entries(o).map(([k, t]) => [k, copy(t)]));
      saved = {
        fc: { ...fc, optimizer: { step: fc.optimizer.step, tensors: copies(fc.optimizer.tensors) }, best: fc.best ? copies(fc.best) : null, ...(fc.ema ? { ema: copies(fc.ema) } : {}) },
        weights: snapshot(g),
      };
    },
  });
  const s = saved as unknown as { fc: FitCheckpoint; weights: Snapshot };
  assert.ok(s.fc.ema && Object.keys(s.fc.ema).length > 0, 'the checkpoint holds the average');
  restore(g, s.weights);
  disposeSnapshot(s.weights);
  const rest = await fit(g, ds, { ...opts, resume: s.fc });
  assert.deepEqual(rest.epochs.map((e) => [e.trainLoss, e.valAccuracy]), all.epochs.map((e) => [e.trainLoss, e.valAccuracy]));
  assert.deepEqual(g.tensorsOf('param').map(([, t]) => t.toArray()), wholeWeights);
  g.dispose();
});
