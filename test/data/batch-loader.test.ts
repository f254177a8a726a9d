import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { imageStore, BatchLoader, isShared, makeSplits, openDataset, prefetchEpoch, WorkerPool, type Batch, type ImageStore, type LoaderSource, type LoaderState } from '../../src/data/index.js';

// 3 channels of 4x4; pixel value encodes (row, position) so every batch is recognisable.
function source(n: number, o: { augment?: boolean; seed?: number } = {}): LoaderSource {
  const per = 3 * 16;
  const pixels = Uint8Array.from({ length: n * per }, (_, i) => (Math.floor(i / per) * 7 + (i % per)) % 256);
  const store: ImageStore = { pixels, labels: Int32Array.from({ length: n }, (_, i) => i % 5), count: n, shape: [3, 4, 4] };
  const s = makeSplits(store, store, { seed: 0, valSize: 0 });
  return { split: s.train, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3], defaultAugment: o.augment ? { pad: 1, flip: true } : null, seed: o.seed ?? 0 };
}

const labelsOf = (b: Batch): number[] => Array.from(b.y as ArrayLike<number | bigint>, Number);
const key = (b: Batch): string => `${b.n}:${labelsOf(b).join(',')}:${b.x.reduce((a, v, i) => a + v * ((i % 13) + 1), 0).toFixed(3)}`;

test('loader: x is normalised NCHW float32, y int64 by default or int32 on request', () => {
  const src = source(10);
  const l = new BatchLoader(src, { batchSize: 4, shuffle: false });
  assert.equal(l.batchesPerEpoch, 3);
  const b = l.next();
  assert.deepEqual(b.shape, [4, 3, 4, 4]);
  assert.equal(b.x.length, 4 * 48);
  assert.ok(b.y instanceof BigInt64Array);
  assert.deepEqual(Array.from(b.y, Number), [0, 1, 2, 3]);
  const px = imageStore(src.split.store).pixels;
  for (const i of [0, 17, 47, 48 * 2 + 33]) {
    const c = Math.floor((i % 48) / 16);
    assert.ok(Math.abs(b.x[i]! - (px[i]! / 255 - src.mean[c]!) / src.std[c]!) < 1e-5, `x[${i}]`);
  }
  const last = new BatchLoader(src, { batchSize: 4, shuffle: false, labelType: 'int32' });
  last.seek(0, 2);
  const t = last.next();
  assert.equal(t.n, 2);
  assert.ok(t.y instanceof Int32Array);
  assert.equal(new BatchLoader(src, { batchSize: 4, dropLast: true }).batchesPerEpoch, 2);
});

test('loader: same seed gives the same batches in the same order; another seed or epoch differs', () => {
  const a = [...new BatchLoader(source(50, { augment: true }), { batchSize: 8 }).epoch()].map(key);
  const b = [...new BatchLoader(source(50, { augment: true }), { batchSize: 8 }).epoch()].map(key);
  assert.deepEqual(a, b);
  const c = [...new BatchLoader(source(50, { augment: true, seed: 1 }), { batchSize: 8 }).epoch()].map(key);
  assert.notDeepEqual(c, a);
  const l = new BatchLoader(source(50, { augment: true }), { batchSize: 8 });
  const e0 = [...l.epoch()].map(key);
  const e1 = [...l.epoch()].map(key);
  assert.notDeepEqual(e1, e0);
  assert.equal(l.state().epoch, 2);
  // Each epoch visits every row exactly once.
  const seen: number[] = [];
  const l2 = new BatchLoader(source(50), { batchSize: 8, labelType: 'int32' });
  const order = l2.order(0);
  for (const b of l2.epoch()) seen.push(...labelsOf(b));
  assert.deepEqual(seen, Array.from(order, (r) => r % 5));
});

test('loader: a saved state (through JSON) resumes to the same remaining batches, across epochs', () => {
  const full = new BatchLoader(source(37, { augment: true }), { batchSize: 5 });
  const all: string[] = [];
  for (let e = 0; e < 3; e++) for (const b of full.epoch()) all.push(key(b));
  const l = new BatchLoader(source(37, { augment: true }), { batchSize: 5 });
  const seen: string[] = [];
  let saved = '';
  for (const b of l.epoch()) {
    seen.push(key(b));
    if (seen.length === 3) saved = JSON.stringify(l.state());
  }
  assert.deepEqual(JSON.parse(saved), { split: 'train', seed: 0, epoch: 0, batch: 3, size: 37, batchSize: 5 });
  const r = new BatchLoader(source(37, { augment: true }), { batchSize: 5 });
  r.restore(JSON.parse(saved) as LoaderState);
  const rest: string[] = [];
  while (r.state().epoch < 3) for (const b of r.epoch()) rest.push(key(b));
  assert.deepEqual([...seen.slice(0, 3), ...rest], all);
  // Saved after the last batch of an epoch, the state points at the next epoch.
  const end = new BatchLoader(source(37), { batchSize: 5 });
  for (const _ of end.epoch()) void _;
  assert.deepEqual([end.state().epoch, end.state().batch], [1, 0]);
});

test('loader: restore refuses a state from another split, size, batch size or seed', () => {
  const l = new BatchLoader(source(20), { batchSize: 5 });
  const s = l.state();
  assert.throws(() => l.restore({ ...s, batchSize: 4 }), (e: unknown) => e instanceof ConfigError && /loader state\.batchSize: saved 4 does not match this loader's 5/.test(e.message));
  assert.throws(() => l.restore({ ...s, size: 21 }), ConfigError);
  assert.throws(() => l.restore({ ...s, seed: 3 }), ConfigError);
  assert.throws(() => l.restore({ ...s, batch: 4 }), /loader state\.batch: must be in \[0, 4\)/);
  assert.throws(() => new BatchLoader(source(20), { batchSize: 0 }), /batchSize/);
});

test('loader: augmentation crops with normalised zero padding and flips; off gives the plain image', () => {
  const src = source(64);
  const plain = new BatchLoader(src, { batchSize: 64, shuffle: false, augment: null }).next();
  const aug = new BatchLoader(src, { batchSize: 64, shuffle: false, augment: { pad: 1, flip: true } }).next();
  const pad = src.mean.map((m, c) => -m / src.std[c]!);
  let flipped = 0;
  let shifted = 0;
  let same = 0;
  for (let k = 0; k < 64; k++) {
    const img = (b: Batch, c: number, y: number, x: number): number => b.x[k * 48 + c * 16 + y * 4 + x]!;
    // Find the draw that explains the augmented image.
    const match = (flip: boolean, dy: number, dx: number): boolean => {
      for (let c = 0; c < 3; c++) for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) {
        const sy = y + dy;
        const sx = (flip ? 3 - x : x) + dx;
        const want = sy < 0 || sy > 3 || sx < 0 || sx > 3 ? pad[c]! : img(plain, c, sy, sx);
        if (Math.abs(img(aug, c, y, x) - want) > 1e-5) return false;
      }
      return true;
    };
    const draws = [false, true].flatMap((f) => [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => [f, dy, dx] as const)));
    const found = draws.find(([f, dy, dx]) => match(f, dy, dx));
    assert.ok(found, `sample ${k} is not a crop/flip of the original`);
    if (found[0]) flipped++;
    if (found[1] !== 0 || found[2] !== 0) shifted++;
    if (!found[0] && found[1] === 0 && found[2] === 0) same++;
  }
  assert.ok(flipped > 15 && flipped < 49, `flipped ${flipped}`);
  assert.ok(shifted > 30, `shifted ${shifted}`);
  assert.ok(same < 20);
});

test('prefetch: the async queue gives the same batches as the sync loader and tracks the position', async () => {
  const sync = new BatchLoader(source(45, { augment: true }), { batchSize: 4 });
  const want = [...sync.epoch(), ...sync.epoch()].map(key);
  const l = new BatchLoader(source(45, { augment: true }), { batchSize: 4 });
  const got: string[] = [];
  const states: LoaderState[] = [];
  for (let e = 0; e < 2; e++) {
    for await (const b of prefetchEpoch(l, 3)) {
      got.push(key(b));
      states.push(l.state());
    }
  }
  assert.deepEqual(got, want);
  assert.deepEqual([states[4]!.epoch, states[4]!.batch], [0, 5]);
  assert.deepEqual([states[11]!.epoch, states[11]!.batch], [1, 0]);
  // Resume mid-epoch through the async path.
  const r = new BatchLoader(source(45, { augment: true }), { batchSize: 4 });
  r.restore(states[6]!);
  const rest: string[] = [];
  for await (const b of prefetchEpoch(r)) rest.push(key(b));
  assert.deepEqual(rest, want.slice(7, 12));
});

test('prefetch: stopping early leaves the position after the last batch taken', async () => {
  const l = new BatchLoader(source(40), { batchSize: 4 });
  let k = 0;
  for await (const _ of prefetchEpoch(l, 4)) {
    void _;
    if (++k === 3) break;
  }
  assert.deepEqual([l.state().epoch, l.state().batch], [0, 3]);
});

test('loader: MNIST batches, first epoch identical across two opens', async () => {
  const take = async (): Promise<string[]> => {
    const ds = await openDataset('mnist', { trainSubset: 2000, seed: 5 });
    const l = BatchLoader.of(ds, 'train', { batchSize: 256 });
    return [...l.epoch()].map(key);
  };
  const a = await take();
  assert.equal(a.length, 8);
  assert.deepEqual(await take(), a);
  const ds = await openDataset('mnist');
  const v = BatchLoader.of(ds, 'test', { batchSize: 1000 });
  const b = v.next();
  // Normalised MNIST: background pixels map to -mean/std.
  assert.ok(Math.abs(b.x[0]! - -0.1307 / 0.3081) < 1e-5);
  assert.equal(v.augment, null);
  assert.equal(v.shuffle, false);
});

test('loader: float32 stores normalise and augment exactly like the same data as uint8', () => {
  const u8 = source(30, { augment: true });
  const store = imageStore(u8.split.store);
  const f32: ImageStore = { ...store, pixels: Float32Array.from(store.pixels, (v) => v / 255) };
  const fsrc: LoaderSource = { ...u8, split: { ...u8.split, store: f32 } };
  const a = [...new BatchLoader(u8, { batchSize: 7 }).epoch()];
  const b = [...new BatchLoader(fsrc, { batchSize: 7 }).epoch()];
  assert.equal(a.length, b.length);
  a.forEach((ba, i) => {
    const bb = b[i]!;
    assert.deepEqual(labelsOf(bb), labelsOf(ba));
    for (let j = 0; j < ba.x.length; j++) assert.ok(Math.abs(ba.x[j]! - bb.x[j]!) < 1e-5, `batch ${i} x[${j}]`);
  });
});

test('worker pool: batches built on worker threads equal the loader\'s own, resume included', async () => {
  const want = (() => {
    const l = new BatchLoader(source(45, { augment: true }), { batchSize: 4 });
    return [...l.epoch(), ...l.epoch()].map(key);
  })();
  const l = new BatchLoader(source(45, { augment: true }), { batchSize: 4 });
  const pool = new WorkerPool(l, 2);
  const got: string[] = [];
  let saved: LoaderState | undefined;
  try {
    for (let e = 0; e < 2; e++) {
      for await (const b of pool.epoch()) {
        got.push(key(b));
        if (got.length === 15) saved = l.state();
      }
    }
  } finally {
    await pool.close();
  }
  assert.deepEqual(got, want);
  const r = new BatchLoader(source(45, { augment: true }), { batchSize: 4 });
  r.restore(saved!);
  const pool2 = new WorkerPool(r, 1);
  const rest: string[] = [];
  try {
    for await (const b of pool2.epoch()) rest.push(key(b));
  } finally {
    await pool2.close();
  }
  assert.deepEqual(rest, want.slice(15, 24));
  await assert.rejects(pool2.request(0, 0), /closed/);
});

test('worker pool: a dataset opened with sharedMemory is read in place', async () => {
  const ds = await openDataset('mnist', { sharedMemory: true, trainSubset: 1024 });
  assert.ok(isShared(ds.train.store) && isShared(ds.test.store));
  const l = BatchLoader.of(ds, 'train', { batchSize: 256, augment: { pad: 2, flip: true } });
  const want = [...BatchLoader.of(ds, 'train', { batchSize: 256, augment: { pad: 2, flip: true } }).epoch()].map(key);
  const pool = new WorkerPool(l, 2);
  try {
    const got: string[] = [];
    for await (const b of pool.epoch()) got.push(key(b));
    assert.deepEqual(got, want);
  } finally {
    await pool.close();
  }
});
