import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DatasetError } from '../../src/errors.js';
import { BatchLoader, isTensorStore, matchInputs, openDataset, type TensorStore } from '../../src/data/index.js';
import { cleanup, npyBytes, tempDir } from './fixtures.js';

const tokens = (n: number, len: number): BigInt64Array => BigInt64Array.from({ length: n * len }, (_, i) => BigInt(Math.floor(i / len) * 1000 + (i % len)));

test('npy: x.npy of int64 token ids with y.npy class ids; rows split 80/20 by seed, ids stay int64', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'x.npy'), npyBytes('<i8', [20, 6], tokens(20, 6)));
    writeFileSync(join(dir, 'y.npy'), npyBytes('<i8', [20], BigInt64Array.from({ length: 20 }, (_, i) => BigInt(i % 4))));
    const ds = await openDataset(`npy:${dir}`, { valSize: 2 });
    assert.deepEqual(ds.inputs, [{ name: 'x', dtype: 'int64', shape: [6], image: false }]);
    assert.deepEqual(ds.label, { kind: 'class' });
    assert.deepEqual(ds.classes, ['0', '1', '2', '3']);
    assert.deepEqual([ds.train.indices.length, ds.val.indices.length, ds.test.indices.length], [14, 2, 4]);
    assert.deepEqual([ds.shape, ds.mean, ds.std, ds.defaultAugment], [[0, 0, 0], [], [], null]);
    const b = BatchLoader.of(ds, 'train', { batchSize: 5 }).next();
    const x = b.inputs![0]!;
    assert.ok(x.data instanceof BigInt64Array);
    assert.deepEqual(x.shape, [5, 6]);
    // each row is intact and its label is the one saved beside it
    for (let k = 0; k < 5; k++) {
      const row: number = Number((x.data as BigInt64Array)[k * 6]!) / 1000;
      assert.deepEqual(Array.from((x.data as BigInt64Array).subarray(k * 6, k * 6 + 6), Number), [0, 1, 2, 3, 4, 5].map((p) => row * 1000 + p));
      assert.equal(Number(b.y[k]), row % 4);
    }
    const other = await openDataset(`npy:${dir}`, { valSize: 2, seed: 9 });
    const firstRows = (t: TensorStore): number[] => Array.from({ length: t.count }, (_, r) => Number((t.inputs[0]!.data as BigInt64Array)[r * 6]!));
    assert.notDeepEqual(firstRows(other.test.store as TensorStore), firstRows(ds.test.store as TensorStore));
  } finally {
    cleanup(dir);
  }
});

test('npy: one NAME.npy per model input (int64, bool, int32), no labels', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'input_ids.npy'), npyBytes('<i8', [10, 5], tokens(10, 5)));
    writeFileSync(join(dir, 'attention_mask.npy'), npyBytes('|b1', [10, 5], Uint8Array.from({ length: 50 }, (_, i) => (i % 5 < 4 ? 1 : 0))));
    writeFileSync(join(dir, 'token_type_ids.npy'), npyBytes('<i4', [10, 5], new Int32Array(50)));
    const ds = await openDataset(`npy:${dir}`, { valSize: 1 });
    assert.deepEqual(ds.inputs.map((i) => [i.name, i.dtype, i.shape]), [['attention_mask', 'bool', [5]], ['input_ids', 'int64', [5]], ['token_type_ids', 'int32', [5]]]);
    assert.deepEqual([ds.label, ds.classes], [{ kind: 'none' }, []]);
    const b = BatchLoader.of(ds, 'train', { batchSize: 3 }).next();
    assert.deepEqual(b.inputs!.map((t) => [t.dtype, t.data.constructor.name, t.shape]), [['bool', 'Uint8Array', [3, 5]], ['int64', 'BigInt64Array', [3, 5]], ['int32', 'Int32Array', [3, 5]]]);
    assert.deepEqual(Array.from(b.y, Number), [-1, -1, -1]);
  } finally {
    cleanup(dir);
  }
});

test('npy: float features with float targets are a regression set; train/ and test/ come split', async () => {
  const dir = tempDir();
  try {
    for (const [split, n] of [['train', 12], ['test', 3]] as const) {
      mkdirSync(join(dir, split));
      writeFileSync(join(dir, split, 'x.npy'), npyBytes('<f4', [n, 40, 10], Float32Array.from({ length: n * 400 }, (_, i) => Math.sin(i))));
      writeFileSync(join(dir, split, 'y.npy'), npyBytes('<f8', [n, 2], Float64Array.from({ length: n * 2 }, (_, i) => i / 4)));
    }
    const ds = await openDataset(`npy:${dir}`, { valSize: 2 });
    assert.deepEqual(ds.inputs, [{ name: 'x', dtype: 'float32', shape: [40, 10], image: false }]);
    assert.deepEqual(ds.label, { kind: 'target', shape: [2] });
    assert.deepEqual([ds.train.indices.length + ds.val.indices.length, ds.test.indices.length], [12, 3]);
    const b = BatchLoader.of(ds, 'test', { batchSize: 3 }).next();
    assert.deepEqual([b.target!.dtype, b.target!.shape, Array.from(b.target!.data as Float32Array)], ['float32', [3, 2], [0, 0.25, 0.5, 0.75, 1, 1.25]]);
    assert.ok(isTensorStore(ds.test.store));
    writeFileSync(join(dir, 'test', 'x.npy'), npyBytes('<f8', [3, 40, 10], new Float64Array(1200)));
    await assert.rejects(openDataset(`npy:${dir}`), (e: unknown) => e instanceof DatasetError && /differ from train's x float32 \(40, 10\)/.test(e.message));
  } finally {
    cleanup(dir);
  }
});

test('npy: refusals name the file: rows that disagree, negative class ids; images flags on tensors', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'a.npy'), npyBytes('<f4', [4, 2], new Float32Array(8)));
    writeFileSync(join(dir, 'b.npy'), npyBytes('<f4', [5, 2], new Float32Array(10)));
    await assert.rejects(openDataset(`npy:${dir}`), (e: unknown) => e instanceof DatasetError && /b\.npy/.test(e.message) && /5 rows but a\.npy has 4/.test(e.message));
    writeFileSync(join(dir, 'b.npy'), npyBytes('<f4', [4, 2], new Float32Array(8)));
    writeFileSync(join(dir, 'y.npy'), npyBytes('<i4', [4], Int32Array.from([0, 1, -1, 0])));
    await assert.rejects(openDataset(`npy:${dir}`, { valSize: 1 }), (e: unknown) => e instanceof DatasetError && /class id -1 at row 2/.test(e.message));
    writeFileSync(join(dir, 'y.npy'), npyBytes('<i4', [4], Int32Array.from([0, 1, 1, 0])));
    await assert.rejects(openDataset(`npy:${dir}`, { valSize: 1, imageSize: 8 }), (e: unknown) => e instanceof ConfigError && /holds tensors, not images/.test(e.message));
    await assert.rejects(openDataset(`npy:${dir}`, { valSize: 1, channels: 3 }), ConfigError);
  } finally {
    cleanup(dir);
  }
});

test("matchInputs: one input feeds a model's only input; several match by name, a missing one is named", () => {
  const info = (name: string) => ({ name, dtype: 'int64' as const, shape: [5], image: false });
  assert.deepEqual([...matchInputs(['input'], [info('x')], 'npy:d')], [['input', 'x']]);
  assert.deepEqual([...matchInputs(['input_ids', 'attention_mask'], [info('attention_mask'), info('input_ids'), info('extra')], 'npy:d')], [['input_ids', 'input_ids'], ['attention_mask', 'attention_mask']]);
  assert.throws(() => matchInputs(['input_ids', 'mask'], [info('input_ids'), info('attention_mask')], 'npy:d'), (e: unknown) => e instanceof ConfigError && /input "mask" has no file in npy:d \(it has input_ids, attention_mask\)/.test(e.message));
});
