import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distributedBackends } from '../../src/tensor/index.js';
import { spawnRanks } from './spawn-ranks.js';

const skip = distributedBackends().includes('gloo') ? false : 'the addon was built without c10d/Gloo';

type Fit = { epochs: { trainLoss: number; valAccuracy: number }[]; bestValAccuracy: number };

// lenet5 (convolutions, no BatchNorm) on 1000 MNIST rows in global batches of 75: the last batch has 25 rows, cut
// 12 + 13, so a shard-size-weighted gradient sum is needed to match one process.
test('fit with 2 ranks matches fit in one process: per-epoch training loss to rounding, same validation accuracy', { skip }, async () => {
  const env = { FIT_MODEL: 'lenet5' };
  const [one] = await spawnRanks('fit-worker.js', [0], () => ['1'], env);
  const two = await spawnRanks('fit-worker.js', [0, 1], (rank, port) => ['2', String(rank), String(port)], env);
  for (const r of [one!, ...two]) assert.equal(r.code, 0, r.stderr);
  const ref = one!.out as Fit;
  for (const r of two) {
    const got = r.out as Fit;
    assert.equal(got.epochs.length, ref.epochs.length);
    for (const [i, e] of ref.epochs.entries()) {
      assert.ok(Math.abs(got.epochs[i]!.trainLoss - e.trainLoss) <= 1e-5 * e.trainLoss, `epoch ${i + 1}: ${got.epochs[i]!.trainLoss} vs ${e.trainLoss}`);
      assert.equal(got.epochs[i]!.valAccuracy, e.valAccuracy);
    }
  }
  assert.deepEqual(two[0]!.out, two[1]!.out, 'both ranks report the same figures');
});

test('ranks that hold different graphs stop with a DistError before training', { skip }, async () => {
  const rs = await spawnRanks('fit-worker.js', [0, 1], (rank, port) => ['2', String(rank), String(port)], { FIT_MODEL_1: 'lenet5' });
  for (const r of rs) {
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /data parallel: the ranks hold different graphs \(structure digests differ\)/);
  }
});
