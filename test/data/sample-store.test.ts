import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { tryLoadAddon } from '../../src/native/index.js';
import { tidy } from '../../src/tensor/index.js';
import { BatchLoader, IGNORE_INDEX, makeSplits, openDataset, toTensors, WorkerPool, type Batch, type ImageStore, type LoaderSource, type TensorStore } from '../../src/data/index.js';

// 10 rows: int64 token ids [4] (row r holds r*10 + position), a bool mask [4] and float features [2, 3].
function tensorStore(n = 10): TensorStore {
  return {
    count: n,
    labels: Int32Array.from({ length: n }, (_, r) => r % 3),
    inputs: [
      { name: 'ids', dtype: 'int64', shape: [4], data: BigInt64Array.from({ length: n * 4 }, (_, i) => BigInt(Math.floor(i / 4) * 10 + (i % 4))) },
      { name: 'attention', dtype: 'bool', shape: [4], data: Uint8Array.from({ length: n * 4 }, (_, i) => (i % 4 < 3 ? 1 : 0)) },
      { name: 'features', dtype: 'float32', shape: [2, 3], data: Float32Array.from({ length: n * 6 }, (_, i) => i / 2) },
    ],
    targets: { name: 'target', dtype: 'float32', shape: [2], data: Float32Array.from({ length: n * 2 }, (_, i) => -i) },
  };
}

const tensorSource = (store: TensorStore, augment = false): LoaderSource => ({
  split: makeSplits(store, store, { seed: 0, valSize: 0 }).train, mean: [], std: [], defaultAugment: augment ? { pad: 1, flip: true } : null, seed: 3,
});

test('tensor sets: each input keeps its dtype and row shape, rows follow the (seeded) order, targets ride along', () => {
  const l = new BatchLoader(tensorSource(tensorStore()), { batchSize: 4 });
  const order = l.order(0);
  const b = l.batchAt(0, 1);
  const rows = Array.from(order.subarray(4, 8));
  assert.equal(b.n, 4);
  assert.deepEqual(b.shape, [4, 0, 0, 0]);
  assert.equal(b.x.length, 0);
  const [ids, attention, features] = b.inputs!;
  assert.ok(ids!.data instanceof BigInt64Array);
  assert.deepEqual([ids!.name, ids!.dtype, ids!.shape], ['ids', 'int64', [4, 4]]);
  assert.deepEqual(Array.from(ids!.data as BigInt64Array, Number), rows.flatMap((r) => [0, 1, 2, 3].map((p) => r * 10 + p)));
  assert.deepEqual([attention!.dtype, attention!.shape, Array.from(attention!.data as Uint8Array).slice(0, 4)], ['bool', [4, 4], [1, 1, 1, 0]]);
  assert.deepEqual(features!.shape, [4, 2, 3]);
  assert.deepEqual(Array.from(features!.data as Float32Array), rows.flatMap((r) => Array.from({ length: 6 }, (_, k) => (r * 6 + k) / 2)));
  assert.deepEqual(b.target!.shape, [4, 2]);
  assert.deepEqual(Array.from(b.target!.data as Float32Array), rows.flatMap((r) => [-2 * r, -2 * r - 1]));
  assert.deepEqual(Array.from(b.y, Number), rows.map((r) => r % 3));
  // the same (seed, epoch, batch) gives the same batch
  assert.deepEqual(new BatchLoader(tensorSource(tensorStore()), { batchSize: 4 }).batchAt(0, 1), b);
});

test('tensor sets: no image augmentation (a ConfigError), none by default', () => {
  assert.throws(() => new BatchLoader(tensorSource(tensorStore(), true), { batchSize: 4 }), (e: unknown) => e instanceof ConfigError && /tensors, not images/.test(e.message));
  assert.equal(new BatchLoader(tensorSource(tensorStore(), true), { batchSize: 4, augment: null }).augment, null);
  assert.throws(() => new BatchLoader({ ...tensorSource(tensorStore()), mean: [0.5], std: [1] }, { batchSize: 4 }), ConfigError);
});

test('tensor sets: worker threads build the same batches from shared memory', async () => {
  const l = new BatchLoader(tensorSource(tensorStore()), { batchSize: 3 });
  const pool = new WorkerPool(l, 2);
  try {
    const got: Batch[] = [];
    for await (const b of pool.epoch()) got.push(b);
    const want = [0, 1, 2, 3].map((i) => new BatchLoader(tensorSource(tensorStore()), { batchSize: 3 }).batchAt(0, i));
    assert.deepEqual(got.map((b) => b.inputs!.map((t) => Array.from(t.data as ArrayLike<number | bigint>, Number))), want.map((b) => b.inputs!.map((t) => Array.from(t.data as ArrayLike<number | bigint>, Number))));
  } finally {
    await pool.close();
  }
});

// 6 grey 6x6 images whose mask is a function of the pixel (value v: class v % 3), so every move of the image shows in the mask.
function maskSource(augment: boolean): LoaderSource {
  const n = 6;
  const pixels = Uint8Array.from({ length: n * 36 }, (_, i) => 1 + ((i * 7) % 200));
  const masks = Uint8Array.from(pixels, (v) => v % 3);
  const store: ImageStore = { pixels, labels: new Int32Array(n).fill(-1), count: n, shape: [1, 6, 6], masks };
  return { split: makeSplits(store, store, { seed: 0, valSize: 0 }).train, mean: [0], std: [1], defaultAugment: augment ? { pad: 2, flip: true } : null, seed: 5 };
}

test('masks: random crops and flips move the mask with its image; the padding is ignored (255)', () => {
  const l = new BatchLoader(maskSource(true), { batchSize: 6 });
  let padded = 0;
  for (let e = 0; e < 4; e++) {
    const b = l.batchAt(e, 0);
    assert.deepEqual([b.target!.name, b.target!.dtype, b.target!.shape], ['mask', 'uint8', [6, 6, 6]]);
    const m = b.target!.data as Uint8Array;
    for (let i = 0; i < m.length; i++) {
      const v = Math.round(b.x[i]! * 255);
      if (v === 0) {
        assert.equal(m[i], IGNORE_INDEX, `pixel ${i} comes from the padding`);
        padded++;
      } else {
        assert.equal(m[i], v % 3, `pixel ${i}`);
      }
    }
  }
  assert.ok(padded > 0, 'some crops shift');
  const plain = new BatchLoader(maskSource(false), { batchSize: 4, shuffle: false }).next();
  assert.deepEqual(Array.from(plain.target!.data as Uint8Array), Array.from(plain.x, (v) => Math.round(v * 255) % 3));
});

test('toTensors: a tensor set feeds each input in its dtype (x is the first), masks become int64', (t) => {
  if (!tryLoadAddon()) {
    t.skip('the native addon is not built');
    return;
  }
  tidy(() => {
    const b = new BatchLoader(tensorSource(tensorStore()), { batchSize: 4, shuffle: false }).next();
    const { x, inputs, target } = toTensors(b);
    assert.deepEqual(Object.keys(inputs!), ['ids', 'attention', 'features']);
    assert.equal(x, inputs!['ids']);
    assert.deepEqual([x.dtype, x.shape], ['int64', [4, 4]]);
    assert.deepEqual(x.toArray().slice(4, 8), [10, 11, 12, 13]);
    assert.deepEqual([inputs!['attention']!.dtype, inputs!['features']!.dtype], ['bool', 'float32']);
    assert.deepEqual([target!.dtype, target!.shape], ['float32', [4, 2]]);
    const mb = new BatchLoader(maskSource(false), { batchSize: 2, shuffle: false }).next();
    const m = toTensors(mb);
    assert.deepEqual([m.x.shape, m.target!.dtype, m.target!.shape], [[2, 1, 6, 6], 'int64', [2, 6, 6]]);
    assert.deepEqual(m.target!.toArray(), Array.from(mb.target!.data as Uint8Array));
  });
});

test('image sets describe their one input and their labels', async () => {
  const ds = await openDataset('mnist', { trainSubset: 100 });
  assert.deepEqual(ds.label, { kind: 'class' });
  assert.deepEqual(ds.inputs, [{ name: 'image', dtype: 'float32', shape: [1, 28, 28], image: true }]);
});

test('masks: worker threads build the same images and masks, augmented alike', async () => {
  const l = new BatchLoader(maskSource(true), { batchSize: 4 });
  const pool = new WorkerPool(l, 2);
  try {
    const got: Batch[] = [];
    for await (const b of pool.epoch()) got.push(b);
    const want = [0, 1].map((i) => new BatchLoader(maskSource(true), { batchSize: 4 }).batchAt(0, i));
    assert.deepEqual(got.map((b) => [Array.from(b.x), Array.from(b.target!.data as Uint8Array)]), want.map((b) => [Array.from(b.x), Array.from(b.target!.data as Uint8Array)]));
  } finally {
    await pool.close();
  }
});
