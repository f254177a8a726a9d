import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arange, loadTensors, randn, saveTensors, tensor, tidy } from '../../src/tensor/index.js';
import { EngineError } from '../../src/errors.js';

test('saveTensors then loadTensors gives back every tensor with its name, shape, dtype and values', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-save-'));
  const path = join(dir, 'state.pt');
  const w = randn([3, 2, 5]);
  const steps = tensor(new BigInt64Array([7n, -3n]), [2], 'int64');
  const mask = tensor(new Uint8Array([1, 0, 1]), [3], 'bool');
  await saveTensors(path, { 'layer.weight': w, steps, mask });
  assert.deepEqual(readdirSync(dir), ['state.pt'], 'the temp file was renamed into place');
  const back = loadTensors(path);
  assert.deepEqual(Object.keys(back).sort(), ['layer.weight', 'mask', 'steps']);
  assert.deepEqual(back['layer.weight']!.shape, [3, 2, 5]);
  assert.deepEqual(back['layer.weight']!.toArray(), w.toArray());
  assert.equal(back['steps']!.dtype, 'int64');
  assert.deepEqual(back['steps']!.toArray(), [7, -3]);
  assert.equal(back['mask']!.dtype, 'bool');
  assert.deepEqual(back['mask']!.toArray(), [1, 0, 1]);
  for (const t of [w, steps, mask, ...Object.values(back)]) t.dispose();
});

test('loading a file that is not a tensor archive throws an EngineError naming the call', () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-save-'));
  const bad = join(dir, 'bad.pt');
  writeFileSync(bad, 'not an archive');
  assert.throws(() => loadTensors(bad), (e: unknown) => e instanceof EngineError && /^loadTensors: /.test(e.message));
  assert.throws(() => loadTensors(join(dir, 'missing.pt')), (e: unknown) => e instanceof EngineError && /^loadTensors: /.test(e.message));
});

test('a tensor dropped without dispose() is freed by the FinalizationRegistry after GC', async (t) => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return t.skip('needs node --expose-gc');
  const { liveTensors } = await import('../../src/tensor/index.js');
  const before = liveTensors();
  (() => {
    for (let i = 0; i < 100; i++) tidy(() => arange(0, 10)).isTensor;
  })();
  assert.ok(liveTensors() >= before + 100);
  for (let i = 0; i < 10 && liveTensors() > before; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(liveTensors(), before);
});
