import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DatasetError } from '../../src/errors.js';
import { imageStore, BatchLoader, openDataset, parseNpy, npyBytes as writeNpy } from '../../src/data/index.js';
import { cast, tensor } from '../../src/tensor/index.js';
import { cleanup, images, npyBytes, tempDir } from './fixtures.js';

function writeSet(dir: string, x: { descr: string; data: ArrayBufferView }, shapeTrain: number[], shapeTest: number[], yTrain: ArrayBufferView, yTest: ArrayBufferView, yDescr = '<i8'): void {
  const nTrain = shapeTrain.reduce((a, b) => a * b, 1);
  const xa = x.data as Uint8Array | Float32Array;
  writeFileSync(join(dir, 'x_train.npy'), npyBytes(x.descr, shapeTrain, xa.subarray(0, nTrain)));
  writeFileSync(join(dir, 'x_test.npy'), npyBytes(x.descr, shapeTest, xa.subarray(nTrain)));
  const len = (a: ArrayBufferView): number => (a as Uint8Array).length;
  writeFileSync(join(dir, 'y_train.npy'), npyBytes(yDescr, [len(yTrain)], yTrain));
  writeFileSync(join(dir, 'y_test.npy'), npyBytes(yDescr, [len(yTest)], yTest));
}

test('npy: float32 NCHW images with int64 labels', async () => {
  const dir = tempDir();
  try {
    const x = Float32Array.from({ length: 14 * 2 * 3 * 3 }, (_, i) => (i % 17) / 16);
    writeSet(dir, { descr: '<f4', data: x }, [10, 2, 3, 3], [4, 2, 3, 3], BigInt64Array.from([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], BigInt), BigInt64Array.from([2, 1, 0, 2], BigInt));
    const ds = await openDataset(`npy:${dir}`, { valSize: 2 });
    assert.deepEqual(ds.shape, [2, 3, 3]);
    assert.equal(ds.pixelType, 'float32');
    assert.ok(imageStore(ds.train.store).pixels instanceof Float32Array);
    assert.equal(imageStore(ds.train.store).pixels[20], x[20]);
    assert.deepEqual(Array.from(ds.test.store.labels), [2, 1, 0, 2]);
    assert.deepEqual(ds.classes, ['0', '1', '2']);
    // Float data is normalised without the /255: x = (v - mean) / std.
    const b = new BatchLoader({ split: ds.test, mean: [0.5, 0.5], std: [0.25, 0.25], defaultAugment: null, seed: 0 }, { batchSize: 4 }).next();
    assert.ok(Math.abs(b.x[0]! - (x[10 * 18]! - 0.5) / 0.25) < 1e-6);
  } finally {
    cleanup(dir);
  }
});

test('npy: uint8 images stay uint8; NHW is read as one channel; uint8 labels work', async () => {
  const dir = tempDir();
  try {
    writeSet(dir, { descr: '|u1', data: images(12, 16) }, [9, 4, 4], [3, 4, 4], Uint8Array.from([0, 1, 0, 1, 0, 1, 0, 1, 0]), Uint8Array.from([1, 0, 1]), '|u1');
    const ds = await openDataset(`npy:${dir}`, { valSize: 0 });
    assert.deepEqual(ds.shape, [1, 4, 4]);
    assert.ok(imageStore(ds.train.store).pixels instanceof Uint8Array);
    assert.equal(ds.val.indices.length, 0);
    assert.equal(ds.train.indices.length, 9);
  } finally {
    cleanup(dir);
  }
});

test('npy: bad inputs give one clear error naming the file', async () => {
  const dir = tempDir();
  try {
    const y = BigInt64Array.from([0, 1, 0, 1], BigInt);
    // channels-last images
    writeSet(dir, { descr: '|u1', data: images(6, 3 * 5 * 5) }, [4, 5, 5, 3], [2, 5, 5, 3], y, y.subarray(0, 2));
    await assert.rejects(openDataset(`npy:${dir}`), (e: unknown) => e instanceof DatasetError && /x_train\.npy: images look channels-last \(4, 5, 5, 3\); expected NCHW/.test(e.message) && /transpose/.test(e.hint ?? ''));
    // count mismatch
    writeSet(dir, { descr: '|u1', data: images(6, 4) }, [4, 1, 2, 2], [2, 1, 2, 2], y.subarray(0, 3), y.subarray(0, 2));
    await assert.rejects(openDataset(`npy:${dir}`), /y_train\.npy: image\/label count mismatch \(4 images in .*x_train\.npy vs 3 labels\)/);
    // negative label
    writeSet(dir, { descr: '|u1', data: images(6, 4) }, [4, 1, 2, 2], [2, 1, 2, 2], BigInt64Array.from([0, 1, -1, 1], BigInt), y.subarray(0, 2));
    await assert.rejects(openDataset(`npy:${dir}`), /y_train\.npy: label -1 at row 2 out of range \[0, 2\)/);
    // float labels
    writeSet(dir, { descr: '|u1', data: images(6, 4) }, [4, 1, 2, 2], [2, 1, 2, 2], new Float32Array(4), new Float32Array(2), '<f4');
    await assert.rejects(openDataset(`npy:${dir}`), /y_train\.npy: labels must be integers, got <f4/);
    // wrong magic and truncation
    writeFileSync(join(dir, 'x_train.npy'), Buffer.from('PK\x03\x04 not numpy'));
    await assert.rejects(openDataset(`npy:${dir}`), /x_train\.npy: not a \.npy file: wrong magic/);
    writeFileSync(join(dir, 'x_train.npy'), npyBytes('|u1', [4, 1, 2, 2], images(4, 4)).subarray(0, 134));
    await assert.rejects(openDataset(`npy:${dir}`), /x_train\.npy: truncated: shape \(4, 1, 2, 2\) of \|u1 needs 16 data bytes, file has 6/);
  } finally {
    cleanup(dir);
  }
});

test('npy: header parsing: float64 and Fortran order are refused, v2 headers read', () => {
  assert.throws(() => parseNpy(npyBytes('<f8', [2], new Float64Array(2)), 'a.npy'), /a\.npy: \.npy dtype <f8 is not supported/);
  const fortran = Buffer.from(npyBytes('<f4', [2], new Float32Array(2)).toString('latin1').replace('False', 'True '), 'latin1');
  assert.throws(() => parseNpy(fortran, 'f.npy'), (e: unknown) => e instanceof DatasetError && /Fortran order/.test(e.message));
  const v1 = npyBytes('<i4', [3], Int32Array.from([5, -2, 7]));
  const hlen = v1.readUInt16LE(8);
  const v2 = Buffer.concat([v1.subarray(0, 8), Buffer.alloc(4), v1.subarray(10)]);
  v2[6] = 2;
  v2.writeUInt32LE(hlen, 8);
  assert.deepEqual(Array.from(parseNpy(v2, 'v2.npy').data), [5, -2, 7]);
  assert.throws(() => parseNpy(npyBytes('<i8', [1], BigInt64Array.from([2n ** 40n])), 'big.npy'), /does not fit in int32/);
});

test('npy: writing round-trips through parseNpy; a dtype .npy cannot hold is refused naming the option', () => {
  const t = tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
  const back = parseNpy(writeNpy(t), 'y.npy');
  assert.deepEqual([back.shape, [...back.data]], [[2, 3], [1, 2, 3, 4, 5, 6]]);
  const half = cast(t, 'float16');
  assert.throws(() => writeNpy(half, '--output'), (e: unknown) => e instanceof ConfigError && e.path === '--output' && /float16/.test(e.message));
  half.dispose();
  t.dispose();
});
