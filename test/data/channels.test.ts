// Grey and RGB images converted to the channels a model takes: RGB to grey as PIL's convert('L'), grey to RGB by
// repeating, through openDataset's `channels` (a user's choice) and `fitChannels` (a model's input, with a warning).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { convertChannels, openDataset, type ImageStore } from '../../src/data/index.js';
import { cleanup, npyBytes, tempDir, writeIdxSet } from './fixtures.js';

const store = (pixels: Uint8Array | Float32Array, shape: [number, number, number], count = 1): ImageStore => ({ pixels, labels: new Int32Array(count), count, shape });

test('RGB to grey gives what PIL gives; grey to RGB repeats, and back is the identity on every 8-bit value', () => {
  const px = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 200, 77], [128, 128, 128], [1, 2, 3], [255, 255, 255], [37, 91, 250], [200, 100, 50]];
  // /usr/bin/python3 -c "from PIL import Image; im = Image.new('RGB', (9, 1)); im.putdata(PX); print(list(im.convert('L').getdata()))"
  const pil = [76, 150, 29, 129, 128, 2, 255, 93, 124];
  const chw = Uint8Array.from([0, 1, 2].flatMap((c) => px.map((p) => p[c]!)));
  const grey = convertChannels(store(chw, [3, 1, 9]), 1);
  assert.deepEqual(grey.shape, [1, 1, 9]);
  assert.deepEqual(Array.from(grey.pixels), pil);

  const all = Uint8Array.from({ length: 2 * 256 }, (_, i) => i % 256);
  const rgb = convertChannels(store(all, [1, 16, 16], 2), 3);
  assert.deepEqual(rgb.shape, [3, 16, 16]);
  assert.deepEqual(Array.from(rgb.pixels.subarray(3 * 256, 4 * 256)), Array.from(all.subarray(256)), 'image 2, red');
  assert.deepEqual(Array.from(rgb.pixels.subarray(5 * 256, 6 * 256)), Array.from(all.subarray(256)), 'image 2, blue');
  assert.deepEqual(Array.from(convertChannels(rgb, 1).pixels), Array.from(all));

  const f = convertChannels(store(Float32Array.from([1, 0.5, 0, 0, 0.5, 1]), [3, 1, 2]), 1);
  assert.ok(f.pixels instanceof Float32Array);
  assert.ok(Math.abs(f.pixels[0]! - (0.299 + 0.114 * 0.5)) < 1e-6 && Math.abs(f.pixels[1]! - (0.299 * 0.5 + 0.114)) < 1e-6);
  assert.equal(convertChannels(f, 1), f, 'already grey: the same store');
});

test('openDataset: channels converts and its statistics follow; fitChannels converts grey and RGB only, and says so', async () => {
  const dir = tempDir();
  try {
    writeIdxSet(dir, { train: 60, test: 20, h: 6, w: 6, classes: 3 });
    const grey = await openDataset(`idx:${dir}`, { valSize: 10 });
    const rgb = await openDataset(`idx:${dir}`, { valSize: 10, channels: 3 });
    assert.deepEqual([rgb.shape, rgb.storedChannels, grey.storedChannels], [[3, 6, 6], 1, 1]);
    assert.deepEqual(rgb.mean, [grey.mean[0], grey.mean[0], grey.mean[0]]);
    assert.deepEqual(rgb.std, [grey.std[0], grey.std[0], grey.std[0]]);
    assert.deepEqual(rgb.warnings, [], 'asked for: no warning');
    assert.deepEqual(Array.from(rgb.val.indices), Array.from(grey.val.indices), 'the same splits');
    const fitted = await openDataset(`idx:${dir}`, { valSize: 10, fitChannels: 3 });
    assert.deepEqual(fitted.shape, [3, 6, 6]);
    assert.match(fitted.warnings.join('\n'), /the images are grey and the model takes RGB: each repeated over 3 channels/);
    assert.deepEqual((await openDataset(`idx:${dir}`, { valSize: 10, fitChannels: 1 })).warnings, [], 'grey already');
    await assert.rejects(openDataset(`idx:${dir}`, { channels: 2 }), (e: unknown) => e instanceof ConfigError && e.path === 'channels');

    const x = Float32Array.from({ length: 12 * 4 * 2 * 2 }, (_, i) => (i % 7) / 7);
    writeFileSync(join(dir, 'x_train.npy'), npyBytes('<f4', [8, 4, 2, 2], x.subarray(0, 128)));
    writeFileSync(join(dir, 'x_test.npy'), npyBytes('<f4', [4, 4, 2, 2], x.subarray(128)));
    writeFileSync(join(dir, 'y_train.npy'), npyBytes('<i8', [8], BigInt64Array.from([0, 1, 0, 1, 0, 1, 0, 1], BigInt)));
    writeFileSync(join(dir, 'y_test.npy'), npyBytes('<i8', [4], BigInt64Array.from([0, 1, 0, 1], BigInt)));
    const four = await openDataset(`npy:${dir}`, { valSize: 2, fitChannels: 3 });
    assert.deepEqual([four.shape, four.warnings], [[4, 2, 2], []], 'four channels: left for the model check to refuse');
    await assert.rejects(openDataset(`npy:${dir}`, { channels: 3 }), /cannot convert npy:.*4-channel images: only grey \(1\) and RGB \(3\) convert/);
  } finally {
    cleanup(dir);
  }
});
