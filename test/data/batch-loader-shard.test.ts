import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { BatchLoader, makeSplits, type ImageStore, type LoaderSource } from '../../src/data/index.js';

// 3 channels of 4x4 per image, with augmentation (pad + flip) so that the shards' augmentation draws are checked too.
function source(n: number): LoaderSource {
  const per = 3 * 16;
  const pixels = Uint8Array.from({ length: n * per }, (_, i) => (Math.floor(i / per) * 7 + (i % per)) % 256);
  const store: ImageStore = { pixels, labels: Int32Array.from({ length: n }, (_, i) => i % 5), count: n, shape: [3, 4, 4] };
  const s = makeSplits(store, store, { seed: 0, valSize: 0 });
  return { split: s.train, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3], defaultAugment: { pad: 1, flip: true }, seed: 3 };
}

test('shards: the ranks of a global batch together hold exactly its rows, images (augmented alike) and labels, in order', () => {
  const src = source(23); // batches of 10: 10, 10 and a final 3, cut among 3 ranks as 3+3+4 and 1+1+1
  const whole = new BatchLoader(src, { batchSize: 10 });
  const shards = [0, 1, 2].map((rank) => new BatchLoader(src, { batchSize: 10, shard: { rank, worldSize: 3 } }));
  for (const epoch of [0, 1]) {
    for (let i = 0; i < whole.batchesPerEpoch; i++) {
      const g = whole.batchAt(epoch, i);
      const parts = shards.map((l) => l.batchAt(epoch, i));
      assert.equal(shards[0]!.globalRows(i), g.n);
      assert.deepEqual(parts.map((p) => p.n), i < 2 ? [3, 3, 4] : [1, 1, 1]);
      assert.deepEqual(Float32Array.from(parts.flatMap((p) => [...p.x])), g.x, `epoch ${epoch} batch ${i}: images`);
      assert.deepEqual(parts.flatMap((p) => [...p.y]), [...g.y], `epoch ${epoch} batch ${i}: labels`);
      assert.deepEqual(shards.flatMap((l) => [...l.rowsAt(epoch, i)]), [...whole.rowsAt(epoch, i)]);
    }
  }
});

test('shards: a rank may get no row of a small final batch; an impossible rank is a ConfigError', () => {
  const src = source(5); // batches of 4: 4 and 1; the final row goes to rank 1 of 2
  const l0 = new BatchLoader(src, { batchSize: 4, shard: { rank: 0, worldSize: 2 } });
  assert.equal(l0.batchAt(0, 1).n, 0);
  assert.equal(l0.rowsAt(0, 1).length, 0);
  assert.equal(new BatchLoader(src, { batchSize: 4, shard: { rank: 1, worldSize: 2 } }).batchAt(0, 1).n, 1);
  assert.throws(() => new BatchLoader(src, { batchSize: 4, shard: { rank: 2, worldSize: 2 } }), ConfigError);
  assert.throws(() => new BatchLoader(src, { batchSize: 4, shard: { rank: 0, worldSize: 0 } }), ConfigError);
});
