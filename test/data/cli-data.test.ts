import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { cleanup, idxBytes, tempDir, writeClassFolders, writeIdxSet } from './fixtures.js';
import { whittle } from './run-data-cli.js';

test('cli: data inspect --json ends with one JSON object holding classes, counts, shape, mean, std', async () => {
  const r = await whittle('inspect', 'mnist', '--json');
  assert.equal(r.code, 0);
  const j = JSON.parse(r.out.at(-1)!) as Record<string, unknown>;
  assert.deepEqual(j['classes'], ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual(j['counts'], { train: 55000, val: 5000, test: 10000 });
  assert.deepEqual(j['shape'], [1, 28, 28]);
  assert.deepEqual(j['mean'], [0.1307]);
  assert.deepEqual(j['std'], [0.3081]);
  const t = await whittle('inspect', 'mnist', '--val-size', '1000', '--train-subset', '500');
  assert.equal(t.code, 0);
  assert.ok(t.out.some((l) => /train 500, val 1000, test 10000/.test(l)), t.out.join('\n'));
});

test('cli: --sheet writes a PNG contact sheet atomically, one row per class', async () => {
  const dir = tempDir();
  try {
    await writeClassFolders(join(dir, 'imgs'), ['a', 'b', 'c'], 5, 10);
    const sheet = join(dir, 'sheet.png');
    const r = await whittle('inspect', `folder:${join(dir, 'imgs')}`, '--image-size', '16', '--val-size', '0', '--sheet', sheet, '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    const j = JSON.parse(r.out.at(-1)!) as { shape: number[]; counts: Record<string, number>; mean: number[]; sheet: string };
    assert.deepEqual(j.shape, [3, 16, 16]);
    assert.deepEqual(j.counts, { train: 12, val: 0, test: 3 });
    assert.equal(j.mean.length, 3);
    assert.equal(j.sheet, sheet);
    const meta = await sharp(sheet).metadata();
    assert.equal(meta.format, 'png');
    // zoom 4 (64 / 16): 8 columns of 64 px + gaps, 3 rows.
    assert.deepEqual([meta.width, meta.height], [2 + 8 * 66, 2 + 3 * 66]);
    assert.deepEqual(readdirSync(dir).sort(), ['imgs', 'sheet.png']);
  } finally {
    cleanup(dir);
  }
});

test('cli: bad data exits 2 with one line naming the file', async () => {
  const dir = tempDir();
  try {
    writeIdxSet(dir, { train: 10, test: 4, h: 2, w: 2, classes: 2 });
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxBytes([3], new Uint8Array(3)));
    const r = await whittle('inspect', `idx:${dir}`, '--json');
    assert.equal(r.code, 2);
    assert.equal(r.out.length, 0);
    assert.match(r.err[0]!, /^whittle: error\[E_DATA\]: .*t10k-labels-idx1-ubyte: image\/label count mismatch \(4 images in .* vs 3 labels\)$/);
    const u = await whittle('inspect', 'imagenet');
    assert.equal(u.code, 2);
    assert.match(u.err[0]!, /error\[E_CONFIG\]: data: unknown dataset "imagenet"/);
    const v = await whittle('inspect', 'mnist', '--val-size', 'lots');
    assert.equal(v.code, 2);
    assert.match(v.err[0]!, /--val-size: expected a count/);
    // A failed sheet leaves no temp file behind.
    const w = await whittle('inspect', 'mnist', '--sheet', join(dir, 'no', 'such', 'dir', 's.png'));
    assert.equal(w.code, 2);
    assert.ok(!existsSync(join(dir, 'no')));
  } finally {
    cleanup(dir);
  }
});
