import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tryLoadAddon } from '../../src/native/index.js';
import { BatchLoader, makeSplits, toTensors, type ImageStore } from '../../src/data/index.js';

test('toTensors: x float32 [N,C,H,W] and y int64 [N]', (t) => {
  if (!tryLoadAddon()) {
    t.skip('the native addon is not built');
    return;
  }
  const store: ImageStore = { pixels: Uint8Array.from({ length: 5 * 12 }, (_, i) => i), labels: Int32Array.from([4, 3, 2, 1, 0]), count: 5, shape: [3, 2, 2] };
  const split = makeSplits(store, store, { seed: 0, valSize: 0 }).test;
  for (const labelType of ['int32', 'int64'] as const) {
    const b = new BatchLoader({ split, mean: [0, 0, 0], std: [1, 1, 1], defaultAugment: null, seed: 0 }, { batchSize: 4, labelType }).next();
    const { x, y } = toTensors(b);
    try {
      assert.deepEqual(x.shape, [4, 3, 2, 2]);
      assert.equal(x.dtype, 'float32');
      assert.deepEqual(y.shape, [4]);
      assert.equal(y.dtype, 'int64');
      assert.deepEqual(y.toArray(), [4, 3, 2, 1]);
      assert.ok(Math.abs(x.toArray()[13]! - 13 / 255) < 1e-6);
    } finally {
      x.dispose();
      y.dispose();
    }
  }
});
