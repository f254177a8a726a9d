import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { DatasetError } from '../../src/errors.js';
import { BatchLoader, imageStore, openDataset } from '../../src/data/index.js';
import { cleanup, imageFile, tempDir } from './fixtures.js';

test('folder: images directly in DIR are a set without labels, split 80/20 by seed', async () => {
  const dir = tempDir();
  try {
    for (let k = 0; k < 10; k++) await imageFile(join(dir, `img${k}.png`), 12, 12, k % 3, k);
    const ds = await openDataset(`folder:${dir}`, { imageSize: 8, valSize: 1 });
    assert.deepEqual(ds.label, { kind: 'none' });
    assert.deepEqual(ds.classes, []);
    assert.deepEqual([ds.train.indices.length, ds.val.indices.length, ds.test.indices.length], [7, 1, 2]);
    assert.ok(Array.from(ds.train.store.labels).every((l) => l === -1));
    assert.deepEqual(ds.inputs, [{ name: 'image', dtype: 'float32', shape: [3, 8, 8], image: true }]);
    assert.deepEqual(ds.defaultAugment, { pad: 1, flip: true });
    const other = await openDataset(`folder:${dir}`, { imageSize: 8, valSize: 1, seed: 5 });
    assert.notDeepEqual(Array.from(imageStore(other.test.store).pixels), Array.from(imageStore(ds.test.store).pixels));
    const b = BatchLoader.of(ds, 'train', { batchSize: 4 }).next();
    assert.deepEqual(Array.from(b.y, Number), [-1, -1, -1, -1]);
    assert.equal(b.target, undefined);
  } finally {
    cleanup(dir);
  }
});

test('folder: train/ and test/ holding images directly are a set without labels; a labelled test/ beside them is refused', async () => {
  const dir = tempDir();
  try {
    for (const [split, n] of [['train', 5], ['test', 2]] as const) {
      mkdirSync(join(dir, split), { recursive: true });
      for (let k = 0; k < n; k++) await imageFile(join(dir, split, `i${k}.jpg`), 10, 10, 1, k, 'jpeg');
    }
    const ds = await openDataset(`folder:${dir}`, { imageSize: 6, valSize: 1 });
    assert.deepEqual([ds.label.kind, ds.train.indices.length, ds.test.indices.length], ['none', 4, 2]);
    mkdirSync(join(dir, 'val', 'cat'), { recursive: true });
    await imageFile(join(dir, 'val', 'cat', 'c.png'), 10, 10, 1, 0);
    cleanup(join(dir, 'test'));
    await assert.rejects(openDataset(`folder:${dir}`), (e: unknown) => e instanceof DatasetError && /holds no images directly/.test(e.message));
  } finally {
    cleanup(dir);
  }
});

/** A grey image whose pixel value encodes its mask: class k where the value is 40 * (k + 1), 255 ignored where 250. */
async function writePair(dir: string, name: string, w: number, h: number, seed: number, maskSize = { w, h }): Promise<void> {
  mkdirSync(join(dir, 'images'), { recursive: true });
  mkdirSync(join(dir, 'masks'), { recursive: true });
  const mask = Buffer.from(Array.from({ length: maskSize.w * maskSize.h }, (_, p) => ((p + seed) % 7 === 6 ? 255 : (p + seed) % 3)));
  const img = Buffer.from(Array.from({ length: w * h }, (_, p) => (mask[p] === 255 ? 250 : 40 * (mask[p]! + 1))));
  await sharp(img, { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'images', `${name}.png`));
  await sharp(mask, { raw: { width: maskSize.w, height: maskSize.h, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'masks', `${name}.png`));
}

test('folder: images/ + masks/ are a segmentation set; crops and flips move each mask with its image', async () => {
  const dir = tempDir();
  try {
    for (let k = 0; k < 10; k++) await writePair(dir, `p${k}`, 8, 8, k);
    const ds = await openDataset(`folder:${dir}`, { imageSize: 8, valSize: 2 });
    assert.deepEqual(ds.label, { kind: 'mask', shape: [8, 8] });
    assert.deepEqual(ds.classes, ['0', '1', '2']);
    assert.deepEqual(ds.shape, [1, 8, 8]);
    assert.deepEqual([ds.train.indices.length, ds.val.indices.length, ds.test.indices.length], [6, 2, 2]);
    const loader = BatchLoader.of(ds, 'train', { batchSize: 6, augment: { pad: 2, flip: true } });
    const [mean, std] = [ds.mean[0]!, ds.std[0]!];
    let moved = 0;
    for (let e = 0; e < 3; e++) {
      const b = loader.batchAt(e, 0);
      const m = b.target!.data as Uint8Array;
      for (let i = 0; i < m.length; i++) {
        const v = Math.round((b.x[i]! * std + mean) * 255);
        const want = v === 0 ? 255 : v === 250 ? 255 : v / 40 - 1;
        assert.equal(m[i], want, `epoch ${e} pixel ${i} (value ${v})`);
        if (v === 0) moved++;
      }
    }
    assert.ok(moved > 0);
  } finally {
    cleanup(dir);
  }
});

test('folder: masks are resized with their images by nearest neighbour; classes.txt names the classes', async () => {
  const dir = tempDir();
  try {
    for (const split of ['train', 'test']) for (let k = 0; k < 3; k++) await writePair(join(dir, split), `q${k}`, 8, 8, k);
    writeFileSync(join(dir, 'classes.txt'), 'sky\nroad\ncar\nperson\n');
    const ds = await openDataset(`folder:${dir}`, { imageSize: 4, valSize: 1 });
    assert.deepEqual(ds.classes, ['sky', 'road', 'car', 'person']);
    assert.deepEqual(ds.label, { kind: 'mask', shape: [4, 4] });
    const masks = imageStore(ds.test.store).masks!;
    assert.equal(masks.length, 3 * 16);
    assert.ok(masks.every((v) => v === 255 || v < 3));
    // nearest: output (y, x) reads source (2y + 1, 2x + 1) of the 8x8 mask
    const src = (p: number): number => ((p + 0) % 7 === 6 ? 255 : p % 3);
    assert.deepEqual(Array.from(masks.subarray(0, 16)), Array.from({ length: 16 }, (_, i) => src((2 * Math.floor(i / 4) + 1) * 8 + 2 * (i % 4) + 1)));
  } finally {
    cleanup(dir);
  }
});

test('folder: a mask whose size differs from its image, a colour mask, a missing mask: one DatasetError naming the file', async () => {
  const dir = tempDir();
  try {
    await writePair(dir, 'a', 8, 8, 0);
    await writePair(dir, 'b', 8, 8, 1, { w: 8, h: 6 });
    await assert.rejects(openDataset(`folder:${dir}`), (e: unknown) => e instanceof DatasetError && /b\.png/.test(e.message) && /mask is 8x6 but its image b\.png is 8x8/.test(e.message));
    await writePair(dir, 'b', 8, 8, 1);
    await sharp(Buffer.alloc(8 * 8 * 3).map((_, i) => i % 3), { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(join(dir, 'masks', 'b.png'));
    await assert.rejects(openDataset(`folder:${dir}`), (e: unknown) => e instanceof DatasetError && /colour image, not class indices/.test(e.message));
    await sharp(Buffer.alloc(8 * 8 * 2, 1), { raw: { width: 8, height: 8, channels: 1 } }).toColourspace('grey16').png().toFile(join(dir, 'masks', 'b.png'));
    await assert.rejects(openDataset(`folder:${dir}`), (e: unknown) => e instanceof DatasetError && /b\.png: is not an 8-bit image \(its samples are 16-bit\)/.test(e.message));
    cleanup(join(dir, 'masks', 'b.png'));
    await assert.rejects(openDataset(`folder:${dir}`), (e: unknown) => e instanceof DatasetError && /has no mask/.test(e.message));
  } finally {
    cleanup(dir);
  }
});
