import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchLoader, channelStats, imageStore, openDataset } from '../../src/data/index.js';
import { MNIST_SEG } from '../../src/data/mnist-seg.js';

test('mnist-seg: 48x48 canvases of 2-3 MNIST digits, masks of 11 classes (background, digit + 1), the same every time', async () => {
  const ds = await openDataset('mnist-seg');
  assert.equal(ds.name, 'mnist-seg');
  assert.deepEqual(ds.shape, [1, 48, 48]);
  assert.deepEqual(ds.label, { kind: 'mask', shape: [48, 48] });
  assert.deepEqual(ds.classes, ['background', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual([ds.train.indices.length, ds.val.indices.length, ds.test.indices.length], [27000, 3000, 5000]);
  assert.equal(ds.defaultAugment, null);
  const train = imageStore(ds.train.store);
  const px = train.pixels as Uint8Array;
  const masks = train.masks!;
  // a pixel is labelled a digit exactly where the ink reaches the threshold; every class appears
  const seen = new Set<number>();
  for (let i = 0; i < masks.length; i++) {
    assert.equal(masks[i]! > 0, px[i]! >= MNIST_SEG.ink, `pixel ${i}`);
    seen.add(masks[i]!);
  }
  assert.equal(seen.size, 11);
  // each canvas holds 2 or 3 digits' worth of ink
  for (let i = 0; i < 200; i++) {
    const kinds = new Set(masks.subarray(i * 2304, (i + 1) * 2304));
    kinds.delete(0);
    assert.ok(kinds.size >= 1 && kinds.size <= 3, `canvas ${i}: ${[...kinds].join(',')}`);
  }
  const s = channelStats(train);
  assert.ok(Math.abs(s.mean[0]! - ds.mean[0]!) < 1e-3 && Math.abs(s.std[0]! - ds.std[0]!) < 1e-3, `${s.mean[0]} ${s.std[0]}`);
  const again = await openDataset('mnist-seg', { seed: 7 });
  assert.deepEqual(imageStore(again.test.store).masks!.subarray(0, 5000), imageStore(ds.test.store).masks!.subarray(0, 5000));
  const b = BatchLoader.of(ds, 'test', { batchSize: 4 }).next();
  assert.deepEqual([b.shape, b.target!.shape], [[4, 1, 48, 48], [4, 48, 48]]);
});

test('mnist-seg: --image-size resizes the masks with the images (nearest: no new ids), --channels 3 keeps them', async () => {
  const ds = await openDataset('mnist-seg', { imageSize: 24, channels: 3, trainSubset: 100 });
  assert.deepEqual([ds.shape, ds.label], [[3, 24, 24], { kind: 'mask', shape: [24, 24] }]);
  const full = imageStore((await openDataset('mnist-seg', { trainSubset: 100 })).test.store).masks!;
  const small = imageStore(ds.test.store).masks!;
  assert.equal(small.length, 5000 * 576);
  // nearest from 48 to 24: output (y, x) reads (2y + 1, 2x + 1)
  for (const i of [0, 17, 4999]) {
    for (const [y, x] of [[0, 0], [11, 13], [23, 23]] as const) assert.equal(small[i * 576 + y * 24 + x], full[i * 2304 + (2 * y + 1) * 48 + 2 * x + 1]);
  }
  const b = BatchLoader.of(ds, 'train', { batchSize: 2 }).next();
  assert.deepEqual([b.shape, b.target!.shape], [[2, 3, 24, 24], [2, 24, 24]]);
});
