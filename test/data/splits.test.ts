import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { defaultValSize, makeSplits, type ImageStore } from '../../src/data/index.js';

function store(n: number): ImageStore {
  return { pixels: new Uint8Array(n * 4), labels: Int32Array.from({ length: n }, (_, i) => i % 3), count: n, shape: [1, 2, 2] };
}

test('splits: default validation is min(5000, 10%)', () => {
  assert.equal(defaultValSize(60000), 5000);
  assert.equal(defaultValSize(20000), 2000);
  assert.equal(defaultValSize(9), 0);
  const s = makeSplits(store(1000), store(50), { seed: 0 });
  assert.equal(s.val.indices.length, 100);
  assert.equal(s.train.indices.length, 900);
  assert.equal(s.test.indices.length, 50);
});

test('splits: train and val are disjoint, cover train, and are fixed by the seed', () => {
  const a = makeSplits(store(500), store(10), { seed: 9, valSize: 60 });
  const all = [...a.train.indices, ...a.val.indices].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 500 }, (_, i) => i));
  const b = makeSplits(store(500), store(10), { seed: 9, valSize: 60 });
  assert.deepEqual(b.val.indices, a.val.indices);
  const c = makeSplits(store(500), store(10), { seed: 10, valSize: 60 });
  assert.notDeepEqual(c.val.indices, a.val.indices);
  // A fraction below 1 is a share of train.
  assert.equal(makeSplits(store(500), store(10), { seed: 9, valSize: 0.2 }).val.indices.length, 100);
});

test('splits: trainSubset keeps val unchanged and takes a seeded subset of the rest', () => {
  const full = makeSplits(store(500), store(10), { seed: 1, valSize: 50 });
  const sub = makeSplits(store(500), store(10), { seed: 1, valSize: 50, trainSubset: 100 });
  assert.deepEqual(sub.val.indices, full.val.indices);
  assert.equal(sub.train.indices.length, 100);
  const inTrain = new Set(full.train.indices);
  assert.ok([...sub.train.indices].every((r) => inTrain.has(r)));
  assert.deepEqual(makeSplits(store(500), store(10), { seed: 1, valSize: 50, trainSubset: 100 }).train.indices, sub.train.indices);
  // A smaller subset is a prefix of the same shuffle.
  const small = new Set(makeSplits(store(500), store(10), { seed: 1, valSize: 50, trainSubset: 30 }).train.indices);
  assert.ok([...small].every((r) => sub.train.indices.includes(r)));
});

test('splits: impossible sizes are config errors', () => {
  assert.throws(() => makeSplits(store(10), store(1), { seed: 0, valSize: 10 }), (e: unknown) => e instanceof ConfigError && /valSize: 10 leaves no training images/.test(e.message));
  assert.throws(() => makeSplits(store(10), store(1), { seed: 0, valSize: -1 }), ConfigError);
  assert.throws(() => makeSplits(store(10), store(1), { seed: 0, valSize: 1, trainSubset: 10 }), /trainSubset: 10 is more than the 9 training images left/);
  assert.throws(() => makeSplits(store(10), store(1), { seed: 0, valSize: 1, trainSubset: 0 }), /trainSubset: must be a whole number >= 1/);
});
