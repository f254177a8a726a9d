// Images resized as torchvision's Resize does to PIL images (PIL's bilinear filter, antialiased when shrinking), with
// PIL as the oracle (test/fixtures/resize.json from scripts/gen-resize-fixtures.py), and through openDataset's
// imageSize for datasets whose images have one stored size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageStore, openDataset, resizeStore, type ImageStore } from '../../src/data/index.js';
import { ConfigError } from '../../src/errors.js';
import { repoRoot } from '../cli/run-cli.js';
import { cleanup, tempDir, writeIdxSet } from './fixtures.js';

interface Case { name: string; float: boolean; shape: [number, number, number]; out: [number, number]; pixels: number[]; expected: number[] }
const { cases } = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'resize.json'), 'utf8')) as { cases: Case[] };

const store = (pixels: Uint8Array | Float32Array, shape: [number, number, number], count = 1): ImageStore => ({ pixels, labels: Int32Array.from({ length: count }, (_, i) => i), count, shape });

test('resizeStore gives PIL’s BILINEAR output: 8-bit to the pixel, float to float32 rounding', () => {
  assert.equal(cases.length, 5);
  for (const c of cases) {
    const input = store(c.float ? Float32Array.from(c.pixels) : Uint8Array.from(c.pixels), c.shape);
    const out = resizeStore(input, c.out[0], c.out[1]);
    assert.deepEqual(out.shape, [c.shape[0], c.out[0], c.out[1]], c.name);
    assert.equal(out.pixels.constructor, input.pixels.constructor, c.name);
    if (!c.float) {
      assert.deepEqual(Array.from(out.pixels), c.expected, c.name);
    } else {
      const worst = Math.max(...c.expected.map((e, i) => Math.abs(out.pixels[i]! - e)));
      assert.ok(worst <= 1e-6, `${c.name}: off by ${worst}`);
    }
  }
});

test('resizeStore resizes every image and channel alike, keeps labels, and is the identity at the same size', () => {
  const one = cases.find((c) => c.name === 'grey up 28 to 32')!;
  const px = new Uint8Array(3 * 2 * 28 * 28);
  for (let k = 0; k < 6; k++) px.set(Uint8Array.from(one.pixels), k * 28 * 28);
  const s = store(px, [3, 28, 28], 2);
  const out = resizeStore(s, 32, 32);
  assert.deepEqual(out.shape, [3, 32, 32]);
  assert.deepEqual(Array.from(out.labels), [0, 1]);
  for (let k = 0; k < 6; k++) assert.deepEqual(Array.from(out.pixels.subarray(k * 1024, (k + 1) * 1024)), one.expected, `plane ${k}`);
  assert.equal(resizeStore(s, 28, 28), s);
  // one axis only: rows keep their height
  const wide = resizeStore(store(Uint8Array.from([0, 255, 0, 255]), [1, 2, 2]), 2, 4);
  assert.deepEqual(Array.from(wide.pixels), [0, 64, 191, 255, 0, 64, 191, 255]);
});

test('openDataset: imageSize resizes IDX images (train and test) and is checked', async () => {
  const dir = tempDir();
  try {
    writeIdxSet(dir, { train: 40, test: 10, h: 6, w: 6, classes: 2 });
    const plain = await openDataset(`idx:${dir}`, { valSize: 5 });
    const big = await openDataset(`idx:${dir}`, { valSize: 5, imageSize: 9 });
    assert.deepEqual(big.shape, [1, 9, 9]);
    assert.deepEqual(imageStore(big.train.store).shape, [1, 9, 9]);
    assert.deepEqual(imageStore(big.test.store).shape, [1, 9, 9]);
    assert.deepEqual(Array.from(big.train.indices), Array.from(plain.train.indices), 'the same splits');
    assert.deepEqual(Array.from(imageStore(big.train.store).pixels), Array.from(resizeStore(imageStore(plain.train.store), 9, 9).pixels));
    assert.deepEqual(big.warnings, [], 'the user asked for it: no warning');
    const same = await openDataset(`idx:${dir}`, { valSize: 5, imageSize: 6 });
    assert.deepEqual(Array.from(imageStore(same.train.store).pixels), Array.from(imageStore(plain.train.store).pixels));
    // resized, then repeated over RGB: each channel is the resized grey image
    const rgb = await openDataset(`idx:${dir}`, { valSize: 5, imageSize: 9, channels: 3 });
    assert.deepEqual(rgb.shape, [3, 9, 9]);
    assert.deepEqual(Array.from(imageStore(rgb.train.store).pixels.subarray(81, 162)), Array.from(imageStore(big.train.store).pixels.subarray(0, 81)));
    await assert.rejects(openDataset(`idx:${dir}`, { imageSize: 0 }), (e: unknown) => e instanceof ConfigError && /imageSize: must be an integer in \[1, 4096\]/.test(e.message));
  } finally {
    cleanup(dir);
  }
});
