import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distributedBackends } from '../../src/tensor/index.js';
import { spawnRanks } from './spawn-ranks.js';

const skip = distributedBackends().includes('gloo') ? false : 'the addon was built without c10d/Gloo';

type Fit = { epochs: { trainLoss: number; valAccuracy: number }[]; bestValAccuracy: number };

/**
 * Trains FIT_MODEL with 1 and with 2 ranks and checks that every epoch's training loss agrees to `rel` (or to
 * `rel[i]` in epoch i + 1) and its validation accuracy exactly.
 */
async function assertTwoRanksMatchOne(env: Record<string, string>, rel: number | number[]): Promise<void> {
  const [one] = await spawnRanks('fit-worker.js', [0], () => ['1'], env);
  const two = await spawnRanks('fit-worker.js', [0, 1], (rank, port) => ['2', String(rank), String(port)], env);
  for (const r of [one!, ...two]) assert.equal(r.code, 0, r.stderr);
  const ref = one!.out as Fit;
  for (const r of two) {
    const got = r.out as Fit;
    assert.equal(got.epochs.length, ref.epochs.length);
    for (const [i, e] of ref.epochs.entries()) {
      const tol = typeof rel === 'number' ? rel : rel[i]!;
      assert.ok(Math.abs(got.epochs[i]!.trainLoss - e.trainLoss) <= tol * e.trainLoss, `${env['FIT_MODEL']}: epoch ${i + 1}: ${got.epochs[i]!.trainLoss} vs ${e.trainLoss}`);
      assert.equal(got.epochs[i]!.valAccuracy, e.valAccuracy, `${env['FIT_MODEL']}: epoch ${i + 1} validation accuracy`);
    }
  }
  assert.deepEqual(two[0]!.out, two[1]!.out, 'both ranks report the same figures');
}

// lenet5 (convolutions, no BatchNorm) on 700 MNIST training rows in global batches of 75: the last batch has 25
// rows, cut 12 + 13, so a shard-size-weighted gradient sum is needed to match one process.
test('fit with 2 ranks matches fit in one process: per-epoch training loss to rounding, same validation accuracy', { skip }, async () => {
  await assertTwoRanksMatchOne({ FIT_MODEL: 'lenet5' }, 1e-6);
});

// Issue 37: each rank normalised by its own shard's BatchNorm statistics (and one process by libtorch's float32
// batch_norm, off by ~1e-5 of the scale), so 1 and 2 ranks parted by 1e-3 and more. Global batches of 233 over 700
// rows end in a 1-row batch, of which rank 0's shard is empty: it still joins every BatchNorm sum. The first epoch
// is held to the 1e-4 (per-shard statistics parted by 1e-3 there); the second to 1e-3, because this short
// run amplifies the last bit of a float sum: resnet-small's epoch-2 loss lies anywhere in 2.19727-2.19756 (1.3e-4)
// across 1 and 2 processes and two BatchNorm implementations alike, and one process at 1 vs 2 threads parts by 6e-6.
test('BatchNorm models with 2 ranks match one process: statistics of the whole global batch, an empty shard included', { skip }, async () => {
  for (const model of ['vgg-small', 'resnet-small']) await assertTwoRanksMatchOne({ FIT_MODEL: model, FIT_BATCH: '233', FIT_LR: '0.01' }, [1e-4, 1e-3]);
});

// Issue 37: every rank seeded libtorch's generator alike and drew its shard's Dropout masks from it, so rank 1's rows
// were dropped as rank 0's and not as one process drops them (the losses parted by 1e-2). Masks are now drawn for the
// whole global batch, of which each rank keeps its rows.
test('a model with Dropout: 2 ranks drop each row as one process does', { skip }, async () => {
  await assertTwoRanksMatchOne({ FIT_MODEL: 'mlp', FIT_DROPOUT: '1' }, 1e-6);
});

test('ranks that hold different graphs stop with a DistError before training', { skip }, async () => {
  const rs = await spawnRanks('fit-worker.js', [0, 1], (rank, port) => ['2', String(rank), String(port)], { FIT_MODEL_1: 'lenet5' });
  for (const r of rs) {
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /data parallel: the ranks hold different graphs \(structure digests differ\)/);
  }
});
