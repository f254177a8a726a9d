import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { DatasetError } from '../../src/errors.js';
import { imageStore, channelStats, FASHION_MNIST_DIR, openDataset } from '../../src/data/index.js';

test('builtin: mnist has 60,000 + 10,000 28x28 digits, held as uint8, with the known mean/std', async () => {
  const ds = await openDataset('mnist');
  assert.equal(ds.name, 'mnist');
  assert.deepEqual(ds.shape, [1, 28, 28]);
  assert.equal(ds.classes.length, 10);
  assert.deepEqual({ train: ds.train.indices.length, val: ds.val.indices.length, test: ds.test.indices.length }, { train: 55000, val: 5000, test: 10000 });
  // Held once, as uint8: the training store is exactly the file's payload.
  assert.ok(imageStore(ds.train.store).pixels instanceof Uint8Array);
  assert.equal(imageStore(ds.train.store).pixels.byteLength, 60000 * 784);
  assert.equal(ds.train.store, ds.val.store);
  assert.equal(ds.defaultAugment, null);
  const s = channelStats(imageStore(ds.train.store));
  assert.ok(Math.abs(s.mean[0]! - ds.mean[0]!) < 1e-3, `mean ${s.mean[0]}`);
  assert.ok(Math.abs(s.std[0]! - ds.std[0]!) < 1e-3, `std ${s.std[0]}`);
});

test('builtin: fashion-mnist from the Debian package, or an error naming the install command', async (t) => {
  if (!existsSync(FASHION_MNIST_DIR)) {
    await assert.rejects(openDataset('fashion-mnist'), (e: unknown) => e instanceof DatasetError && /apt-get install dataset-fashion-mnist/.test(e.hint ?? ''));
    t.skip('dataset-fashion-mnist is not installed');
    return;
  }
  const ds = await openDataset('fashion-mnist', { valSize: 6000 });
  assert.deepEqual(ds.shape, [1, 28, 28]);
  assert.equal(ds.classes[9], 'Ankle boot');
  assert.equal(ds.train.indices.length, 54000);
  assert.equal(ds.val.indices.length, 6000);
  assert.equal(ds.test.indices.length, 10000);
  assert.equal(imageStore(ds.train.store).pixels.byteLength, 60000 * 784);
  const s = channelStats(imageStore(ds.train.store));
  assert.ok(Math.abs(s.mean[0]! - ds.mean[0]!) < 1e-3, `mean ${s.mean[0]}`);
  assert.ok(Math.abs(s.std[0]! - ds.std[0]!) < 1e-3, `std ${s.std[0]}`);
});

test('builtin: a missing fashion-mnist install says how to get it', async () => {
  const old = process.env['WHITTLE_FASHION_MNIST_DIR'];
  process.env['WHITTLE_FASHION_MNIST_DIR'] = '/nonexistent/fashion-mnist';
  try {
    await assert.rejects(openDataset('fashion-mnist'), (e: unknown) => {
      assert.ok(e instanceof DatasetError);
      assert.match(e.message, /\/nonexistent\/fashion-mnist: Fashion-MNIST is not installed/);
      assert.equal(e.hint, 'sudo apt-get install dataset-fashion-mnist');
      return true;
    });
  } finally {
    if (old === undefined) delete process.env['WHITTLE_FASHION_MNIST_DIR'];
    else process.env['WHITTLE_FASHION_MNIST_DIR'] = old;
  }
});
