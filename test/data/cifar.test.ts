import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../../src/errors.js';
import { imageStore, openDataset } from '../../src/data/index.js';
import { cifarBytes, cleanup, pixel, tempDir } from './fixtures.js';

test('cifar: CIFAR-10 batches concatenate in order, with names from batches.meta.txt', async () => {
  const dir = tempDir();
  try {
    const sub = join(dir, 'cifar-10-batches-bin');
    mkdirSync(sub);
    // data_batch_10 must sort after data_batch_2.
    writeFileSync(join(sub, 'data_batch_1.bin'), cifarBytes(6, 10, 'cifar-10', 0));
    writeFileSync(join(sub, 'data_batch_2.bin'), cifarBytes(6, 10, 'cifar-10', 6));
    writeFileSync(join(sub, 'data_batch_10.bin'), cifarBytes(8, 10, 'cifar-10', 12));
    writeFileSync(join(sub, 'test_batch.bin'), cifarBytes(5, 10, 'cifar-10', 100));
    writeFileSync(join(sub, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
    const ds = await openDataset(`cifar:${dir}`, { valSize: 2 });
    assert.deepEqual(ds.shape, [3, 32, 32]);
    assert.equal(ds.classes.join(''), 'abcdefghij');
    assert.equal(ds.train.store.count, 20);
    assert.equal(ds.test.store.count, 5);
    assert.equal(ds.train.store.labels[13], 3);
    assert.equal(imageStore(ds.train.store).pixels[13 * 3072 + 1500], pixel(13, 1500));
    assert.equal(ds.test.store.labels[1], 101 % 10);
    assert.deepEqual(ds.defaultAugment, { pad: 4, flip: true });
    assert.equal(ds.mean.length, 3);
  } finally {
    cleanup(dir);
  }
});

test('cifar: CIFAR-100 uses fine labels; default names are numbers', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'train.bin'), cifarBytes(30, 100, 'cifar-100', 50));
    writeFileSync(join(dir, 'test.bin'), cifarBytes(4, 100, 'cifar-100', 0));
    const ds = await openDataset(`cifar:${dir}`, { valSize: 3 });
    assert.equal(ds.classes.length, 100);
    assert.equal(ds.train.store.labels[10], 60);
    assert.equal(imageStore(ds.train.store).pixels[10 * 3072], pixel(60, 0));
  } finally {
    cleanup(dir);
  }
});

test('cifar: a truncated batch and an out-of-range label name the file', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'data_batch_1.bin'), cifarBytes(4, 10, 'cifar-10').subarray(0, 3 * 3073 + 100));
    writeFileSync(join(dir, 'test_batch.bin'), cifarBytes(2, 10, 'cifar-10'));
    await assert.rejects(openDataset(`cifar:${dir}`), (e: unknown) => e instanceof DatasetError && /data_batch_1\.bin: truncated or not cifar-10 binary: 9319 bytes is not a whole number of 3073-byte records/.test(e.message));
    const bad = cifarBytes(4, 10, 'cifar-10');
    bad[2 * 3073] = 12;
    writeFileSync(join(dir, 'data_batch_1.bin'), bad);
    await assert.rejects(openDataset(`cifar:${dir}`), (e: unknown) => e instanceof DatasetError && /data_batch_1\.bin: label 12 at record 2 out of range \[0, 10\)/.test(e.message));
    await assert.rejects(openDataset(`cifar:${join(dir, 'x')}`), /directory not found/);
  } finally {
    cleanup(dir);
  }
});

test('cifar: a folder without CIFAR files explains the expected layout', async () => {
  const dir = tempDir();
  try {
    await assert.rejects(openDataset(`cifar:${dir}`), (e: unknown) => e instanceof DatasetError && /no CIFAR binary files found/.test(e.message) && /data_batch_1\.\.5\.bin/.test(e.hint ?? ''));
  } finally {
    cleanup(dir);
  }
});
