import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DatasetError } from '../../src/errors.js';
import { imageStore, openDataset, parseIdx } from '../../src/data/index.js';
import { cleanup, idxBytes, images, pixel, tempDir, writeIdxSet } from './fixtures.js';

function rejectsWith(p: Promise<unknown>, re: RegExp): Promise<void> {
  return assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DatasetError, `expected DatasetError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

for (const gz of [false, true]) {
  test(`idx: reads a ${gz ? 'gzipped' : 'plain'} image/label set`, async () => {
    const dir = tempDir();
    try {
      writeIdxSet(dir, { train: 50, test: 12, h: 5, w: 4, classes: 3, gz });
      const ds = await openDataset(`idx:${dir}`, { valSize: 10 });
      assert.deepEqual(ds.shape, [1, 5, 4]);
      assert.equal(ds.pixelType, 'uint8');
      assert.deepEqual(ds.classes, ['0', '1', '2']);
      assert.equal(ds.train.indices.length, 40);
      assert.equal(ds.val.indices.length, 10);
      assert.equal(ds.test.indices.length, 12);
      assert.ok(imageStore(ds.train.store).pixels instanceof Uint8Array);
      assert.equal(imageStore(ds.train.store).pixels[3 * 20 + 7], pixel(3, 7));
      assert.equal(ds.test.store.labels[5], 5 % 3);
      assert.equal(ds.statsSource, 'computed');
      assert.equal(ds.defaultAugment, null);
    } finally {
      cleanup(dir);
    }
  });
}

test('idx: wrong magic names the file', async () => {
  const dir = tempDir();
  try {
    writeIdxSet(dir, { train: 20, test: 5, h: 3, w: 3, classes: 2 });
    const p = join(dir, 'train-images-idx3-ubyte');
    writeFileSync(p, Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4]), Buffer.alloc(40)]));
    await rejectsWith(openDataset(`idx:${dir}`), /train-images-idx3-ubyte: not an IDX file: wrong magic \(expected 00 00 <type> <ndim> vs got 50 4b 03 04\)/);
  } finally {
    cleanup(dir);
  }
});

test('idx: unsupported element type and truncated files', () => {
  assert.throws(() => parseIdx(idxBytes([2], new Uint8Array(8), 0x0d), 'f.idx'), /f\.idx: IDX element type float32 is not supported/);
  assert.throws(() => parseIdx(idxBytes([4, 3, 3], images(3, 9)), 'short.idx'), /short\.idx: truncated: header \[4, 3, 3\] needs 36 data bytes, file has 27/);
  assert.throws(() => parseIdx(Buffer.from([0, 0, 8, 3, 0, 0]), 'hdr.idx'), /hdr\.idx: truncated IDX header/);
  assert.throws(() => parseIdx(idxBytes([2], new Uint8Array(3)), 'long.idx'), /long\.idx: 1 unexpected trailing bytes/);
});

test('idx: truncated gzip stream is a clear error', async () => {
  const dir = tempDir();
  try {
    writeIdxSet(dir, { train: 20, test: 5, h: 3, w: 3, classes: 2, gz: true });
    const p = join(dir, 't10k-images-idx3-ubyte.gz');
    const whole = gzipSync(idxBytes([5, 3, 3], images(5, 9)));
    writeFileSync(p, whole.subarray(0, whole.length - 6));
    await rejectsWith(openDataset(`idx:${dir}`), /t10k-images-idx3-ubyte\.gz: corrupt or truncated gzip data/);
  } finally {
    cleanup(dir);
  }
});

test('idx: image/label count mismatch names the label file', async () => {
  const dir = tempDir();
  try {
    writeIdxSet(dir, { train: 20, test: 5, h: 3, w: 3, classes: 2 });
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxBytes([19], new Uint8Array(19)));
    await rejectsWith(openDataset(`idx:${dir}`), /train-labels-idx1-ubyte: image\/label count mismatch \(20 images in .* vs 19 labels\)/);
  } finally {
    cleanup(dir);
  }
});

test('idx: labels out of range of classes.txt', async () => {
  const dir = tempDir();
  try {
    writeIdxSet(dir, { train: 20, test: 5, h: 3, w: 3, classes: 4 });
    writeFileSync(join(dir, 'classes.txt'), 'a\nb\nc\n');
    await rejectsWith(openDataset(`idx:${dir}`), /train-labels-idx1-ubyte: label 3 at row 3 out of range \[0, 3\)/);
    writeFileSync(join(dir, 'classes.txt'), 'a\nb\nc\nd\n');
    assert.deepEqual((await openDataset(`idx:${dir}`)).classes, ['a', 'b', 'c', 'd']);
  } finally {
    cleanup(dir);
  }
});

test('idx: test labels beyond the training classes are out of range', async () => {
  const dir = tempDir();
  try {
    writeIdxSet(dir, { train: 20, test: 5, h: 3, w: 3, classes: 2 });
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxBytes([5], Uint8Array.from([0, 1, 0, 7, 1])));
    await rejectsWith(openDataset(`idx:${dir}`), /t10k-labels-idx1-ubyte: label 7 at row 3 out of range \[0, 2\)/);
  } finally {
    cleanup(dir);
  }
});

test('idx: missing files are listed', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxBytes([1, 2, 2], new Uint8Array(4)));
    await rejectsWith(openDataset(`idx:${dir}`), /missing IDX files: train-labels, test-images, test-labels/);
    await rejectsWith(openDataset(`idx:${join(dir, 'nope')}`), /nope: directory not found/);
  } finally {
    cleanup(dir);
  }
});
