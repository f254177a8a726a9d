import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { DatasetError } from '../../src/errors.js';
import { imageStore, openDataset } from '../../src/data/index.js';
import { cleanup, imageFile, tempDir, writeClassFolders } from './fixtures.js';

test('folder: train/ + test/ of PNG and JPEG, resized to imageSize, classes sorted', async () => {
  const dir = tempDir();
  try {
    await writeClassFolders(join(dir, 'train'), ['dog', 'cat', 'bird'], 6, 20);
    await writeClassFolders(join(dir, 'test'), ['dog', 'cat'], 2, 9);
    writeFileSync(join(dir, 'train', 'cat', 'notes.txt'), 'ignored: not an image');
    const ds = await openDataset(`folder:${dir}`, { imageSize: 8, valSize: 3 });
    assert.deepEqual(ds.classes, ['bird', 'cat', 'dog']);
    assert.deepEqual(ds.shape, [3, 8, 8]);
    assert.equal(ds.pixelType, 'uint8');
    assert.equal(ds.train.store.count, 18);
    assert.equal(ds.test.store.count, 4);
    assert.deepEqual(Array.from(ds.test.store.labels), [1, 1, 2, 2]);
    assert.equal(ds.skipped, 0);
    // Channel 0 (red) encodes the class in the fixtures, and CHW order puts it first: cat (class index 1 in the
    // fixture list order dog, cat, bird) is red 60.
    const cat = imageStore(ds.test.store).pixels[0]!;
    assert.ok(Math.abs(cat - 60) <= 3, `red of a cat image: ${cat}`);
    assert.equal(imageStore(ds.test.store).pixels[64 * 2], 128);
    assert.deepEqual(ds.defaultAugment, { pad: 1, flip: true });
  } finally {
    cleanup(dir);
  }
});

test('folder: val/ serves as the test split; grey-only data has one channel', async () => {
  const dir = tempDir();
  try {
    for (const split of ['train', 'val']) {
      for (const c of ['a', 'b']) {
        mkdirSync(join(dir, split, c), { recursive: true });
        for (let k = 0; k < 3; k++) {
          await sharp(Buffer.alloc(16, c === 'a' ? 10 : 200), { raw: { width: 4, height: 4, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, split, c, `${k}.png`));
        }
      }
    }
    const ds = await openDataset(`folder:${dir}`, { imageSize: 4, valSize: 0 });
    assert.deepEqual(ds.shape, [1, 4, 4]);
    assert.equal(ds.test.store.count, 6);
    assert.equal(ds.defaultAugment, null);
    assert.equal(imageStore(ds.test.store).pixels[0], 10);
  } finally {
    cleanup(dir);
  }
});

test('folder: only class folders are split 80/20 per class, the same way for the same seed', async () => {
  const dir = tempDir();
  try {
    await writeClassFolders(dir, ['x', 'y'], 10, 8);
    const a = await openDataset(`folder:${dir}`, { imageSize: 8, valSize: 2, seed: 3 });
    assert.equal(a.train.store.count, 16);
    assert.equal(a.test.store.count, 4);
    assert.deepEqual(Array.from(a.test.store.labels), [0, 0, 1, 1]);
    const b = await openDataset(`folder:${dir}`, { imageSize: 8, valSize: 2, seed: 3 });
    assert.deepEqual(imageStore(b.test.store).pixels, imageStore(a.test.store).pixels);
    const c = await openDataset(`folder:${dir}`, { imageSize: 8, valSize: 2, seed: 4 });
    assert.notDeepEqual(imageStore(c.test.store).pixels, imageStore(a.test.store).pixels);
  } finally {
    cleanup(dir);
  }
});

test('folder: an unreadable image is skipped with a count, or an error naming it with strict', async () => {
  const dir = tempDir();
  try {
    await writeClassFolders(join(dir, 'train'), ['a', 'b'], 3, 8);
    await writeClassFolders(join(dir, 'test'), ['a', 'b'], 1, 8);
    const broken = join(dir, 'train', 'b', 'broken.png');
    writeFileSync(broken, Buffer.from('\x89PNG\r\n\x1a\n this is not really a png'));
    const ds = await openDataset(`folder:${dir}`, { imageSize: 8 , valSize: 1 });
    assert.equal(ds.skipped, 1);
    assert.equal(ds.train.store.count, 6);
    assert.match(ds.warnings[0]!, /skipped 1 unreadable image \(first: .*broken\.png\)/);
    await assert.rejects(openDataset(`folder:${dir}`, { imageSize: 8, strict: true }), (e: unknown) => {
      assert.ok(e instanceof DatasetError);
      assert.match(e.message, /train\/b\/broken\.png: unreadable image \(/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  } finally {
    cleanup(dir);
  }
});

test('folder: an empty class folder, a class only in test, and no test split are errors', async () => {
  const dir = tempDir();
  try {
    await writeClassFolders(join(dir, 'train'), ['a', 'b'], 2, 8);
    await assert.rejects(openDataset(`folder:${dir}`), (e: unknown) => e instanceof DatasetError && /has train\/ but neither test\/ nor val\//.test(e.message));
    await writeClassFolders(join(dir, 'test'), ['a', 'c'], 1, 8);
    await assert.rejects(openDataset(`folder:${dir}`), /test\/c: class "c" does not appear in the training folder/);
    cleanup(join(dir, 'test', 'c'));
    mkdirSync(join(dir, 'train', 'empty'));
    await assert.rejects(openDataset(`folder:${dir}`), (e: unknown) => e instanceof DatasetError && /train\/empty: empty class folder: no \.png\/\.jpg\/\.jpeg images/.test(e.message));
  } finally {
    cleanup(dir);
  }
});

test('folder: a class whose only image is unreadable is an error', async () => {
  const dir = tempDir();
  try {
    await writeClassFolders(dir, ['good'], 5, 8);
    mkdirSync(join(dir, 'bad'));
    writeFileSync(join(dir, 'bad', 'x.jpg'), Buffer.from('not a jpeg'));
    await imageFile(join(dir, 'good', 'extra.png'), 8, 8, 0, 9);
    await assert.rejects(openDataset(`folder:${dir}`, { valSize: 1 }), /bad: class "bad" has no readable training images/);
  } finally {
    cleanup(dir);
  }
});
