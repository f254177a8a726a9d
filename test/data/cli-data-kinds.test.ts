import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { DatasetReport } from '../../src/api/index.js';
import { cleanup, imageFile, npyBytes, tempDir } from './fixtures.js';
import { whittle } from './run-data-cli.js';

const json = (r: { out: string[] }): DatasetReport => JSON.parse(r.out.at(-1)!) as DatasetReport;

test('cli: data inspect says what it found in a tensor set: inputs, dtypes, shapes, labels and the task', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'input_ids.npy'), npyBytes('<i8', [10, 7], new BigInt64Array(70)));
    writeFileSync(join(dir, 'attention_mask.npy'), npyBytes('|b1', [10, 7], new Uint8Array(70).fill(1)));
    writeFileSync(join(dir, 'y.npy'), npyBytes('<i8', [10], BigInt64Array.from({ length: 10 }, (_, i) => BigInt(i % 2))));
    const r = await whittle('inspect', `npy:${dir}`, '--val-size', '1', '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    const j = json(r);
    assert.deepEqual([j.labelled, j.labels, j.task, j.labelShape], [true, 'classes', 'classify', null]);
    assert.deepEqual(j.inputs, [{ name: 'attention_mask', dtype: 'bool', shape: [7] }, { name: 'input_ids', dtype: 'int64', shape: [7] }]);
    assert.deepEqual(j.counts, { train: 7, val: 1, test: 2 });
    assert.equal(j.dtype, 'tensors');
    const text = (await whittle('inspect', `npy:${dir}`, '--val-size', '1')).out;
    assert.ok(text.includes('  input    input_ids int64 7 per row'), text.join('\n'));
    assert.ok(text.includes('  labels   classes (2), one per row; task classify'), text.join('\n'));
    assert.ok(!text.some((l) => l.startsWith('  mean')), 'no image statistics for tensors');
    writeFileSync(join(dir, 'y.npy'), npyBytes('<f4', [10, 3], new Float32Array(30)));
    const t = json(await whittle('inspect', `npy:${dir}`, '--val-size', '1', '--json'));
    assert.deepEqual([t.labelled, t.labels, t.task, t.labelShape, t.classes, t.perClass], [true, 'targets', 'regress', [3], [], { train: [], test: [] }]);
    const sheet = await whittle('inspect', `npy:${dir}`, '--val-size', '1', '--sheet', join(dir, 's.png'));
    assert.equal(sheet.code, 2);
    assert.match(sheet.err[0]!, /holds tensors, not images/);
  } finally {
    cleanup(dir);
  }
});

test('cli: data inspect of images without labels, and of mnist-seg (masks, pixels per class)', async () => {
  const dir = tempDir();
  try {
    for (let k = 0; k < 5; k++) await imageFile(join(dir, `x${k}.png`), 10, 10, 0, k);
    const r = await whittle('inspect', `folder:${dir}`, '--image-size', '8', '--val-size', '1', '--json', '--sheet', join(dir, '..', `${k()}.png`));
    assert.equal(r.code, 0, r.err.join('\n'));
    const j = json(r);
    assert.deepEqual([j.labelled, j.labels, j.task, j.classes, j.perClass], [false, 'none', 'auto', [], { train: [], test: [] }]);
    assert.deepEqual(j.inputs, [{ name: 'image', dtype: 'float32', shape: [3, 8, 8] }]);
    const meta = await sharp(j.sheet!).metadata();
    assert.equal(meta.height, 2 + 66, 'one row of the 3 training images');
    cleanup(j.sheet!);
  } finally {
    cleanup(dir);
  }
  const s = await whittle('inspect', 'mnist-seg');
  assert.equal(s.code, 0, s.err.join('\n'));
  assert.ok(s.out.includes('  labels   masks 48x48 of 11 classes (255 = ignore); task segment'), s.out.join('\n'));
  assert.ok(s.out.some((l) => /^ +0 background +train \d+ +test \d+$/.test(l)), s.out.join('\n'));
});

test('cli: a mask whose size differs from its image: one line naming it, exit 2', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, 'images'));
    mkdirSync(join(dir, 'masks'));
    await sharp(Buffer.alloc(64, 9), { raw: { width: 8, height: 8, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'images', 'a.png'));
    await sharp(Buffer.alloc(32, 1), { raw: { width: 8, height: 4, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'masks', 'a.png'));
    const r = await whittle('inspect', `folder:${dir}`);
    assert.equal(r.code, 2);
    assert.equal(r.out.length, 0);
    assert.equal(r.err.length, 1, r.err.join('\n'));
    assert.match(r.err[0]!, /^whittle: error\[E_DATA\]: .*masks\/a\.png: mask is 8x4 but its image a\.png is 8x8/);
  } finally {
    cleanup(dir);
  }
});

let sheets = 0;
const k = (): string => `sheet-${process.pid}-${sheets++}`;
