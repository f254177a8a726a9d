import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRunConfig, resolveConfig } from '../../src/pipeline/run-config.js';
import { splitEpochs } from '../../src/pipeline/schedule.js';
import { ConfigError } from '../../src/errors.js';

test('resolveConfig fills the lr of the chosen optimizer when none is given, and keeps a given one', () => {
  const base = { data: 'mnist', ratios: [0.5] };
  assert.equal(resolveConfig('t.onnx', base).lr, 0.02);
  assert.equal(resolveConfig('t.onnx', { ...base, optimizer: 'adamw' }).lr, 0.001);
  assert.equal(resolveConfig('t.onnx', { ...base, optimizer: 'adamw', lr: 0.3 }).lr, 0.3);
  const c = resolveConfig('t.onnx', base);
  assert.deepEqual([c.optimizer, c.batchSize, c.weightDecay, c.alpha, c.allocation], ['sgd', 64, 5e-4, 0.5, 'uniform']);
});

test('resolveConfig refuses --uniform-of first with global allocation, which would ignore it', () => {
  const base = { data: 'mnist', ratios: [0.5, 0.5] };
  assert.equal(resolveConfig('t.onnx', { ...base, uniformOf: 'first' }).uniformOf, 'first');
  assert.equal(resolveConfig('t.onnx', { ...base, allocation: 'global' }).uniformOf, 'current');
  assert.throws(() => resolveConfig('t.onnx', { ...base, allocation: 'global', uniformOf: 'first' }),
    (e: unknown) => e instanceof ConfigError && /uniformOf: 'first' measures uniform allocation's fractions, and allocation is 'global'/.test(e.message) && /--allocation uniform/.test(e.hint ?? ''));
});

test('a bare run is the recipe BENCHMARKS.md measured best: 2+2+8 epochs, soft cuts, no augmentation, batch 64, T=2, EMA', () => {
  const c = resolveConfig('t.onnx', { data: 'fashion-mnist', ratios: [0.5, 0.5, 0.5] });
  const recipe = { epochsPerStep: [2, 2, 8], fadeEpochs: 1, augment: 'off', batchSize: 64, temperature: 2, ema: 0.999, alpha: 0.5, allocation: 'uniform', roundTo: 1, lr: 0.02, teacherViews: 'off' };
  assert.deepEqual(Object.fromEntries(Object.keys(recipe).map((k) => [k, c[k as keyof typeof c]])), recipe);
  // --target with --steps splits the same way; one step trains all 12 epochs
  assert.deepEqual(resolveConfig('t.onnx', { data: 'mnist', target: 0.125, steps: 3 }).epochsPerStep, [2, 2, 8]);
  assert.deepEqual(resolveConfig('t.onnx', { data: 'mnist', target: 0.5 }).epochsPerStep, [12]);
  // one-shot trains the same total in its one step
  assert.deepEqual(resolveConfig('t.onnx', { data: 'mnist', ratios: [0.5, 0.5, 0.5], mode: 'oneshot' }).epochsPerStep, [12]);
});

test('--epochs splits a total over the steps, the last getting two thirds; --epochs-per-step overrides it', () => {
  const cases: [number, number, number[]][] = [
    [12, 3, [2, 2, 8]], [24, 3, [4, 4, 16]], [8, 4, [1, 1, 1, 5]], [20, 3, [3, 4, 13]], [12, 2, [4, 8]], [7, 1, [7]], [3, 3, [1, 1, 1]], [4, 3, [1, 1, 2]],
  ];
  for (const [total, steps, split] of cases) {
    assert.deepEqual(splitEpochs(total, steps), split, `${total} over ${steps}`);
    assert.equal(split.reduce((a, b) => a + b, 0), total);
  }
  const base = { data: 'mnist', ratios: [0.5, 0.5, 0.5] };
  assert.deepEqual(resolveConfig('t.onnx', { ...base, epochs: 24 }).epochsPerStep, [4, 4, 16]);
  assert.deepEqual(resolveConfig('t.onnx', { ...base, epochsPerStep: 2 }).epochsPerStep, [2, 2, 2]);
  assert.throws(() => resolveConfig('t.onnx', { ...base, epochs: 12, epochsPerStep: [2, 2, 8] }),
    (e: unknown) => e instanceof ConfigError && e.path === 'epochs' && /--epochs and --epochs-per-step/.test(e.hint ?? ''));
  assert.throws(() => resolveConfig('t.onnx', { ...base, epochs: 2 }), (e: unknown) => e instanceof ConfigError && /2 is fewer than one a step for 3 steps/.test(e.message));
});

test('soft cuts by default only where every step has an epoch left after a one-epoch fade; EMA 0 is off', () => {
  const base = { data: 'mnist', ratios: [0.5, 0.5] };
  assert.equal(resolveConfig('t.onnx', { ...base, epochsPerStep: [2, 3] }).fadeEpochs, 1);
  assert.equal(resolveConfig('t.onnx', { ...base, epochsPerStep: [0, 2] }).fadeEpochs, 1, 'a step of 0 epochs cuts at once anyway');
  assert.equal(resolveConfig('t.onnx', { ...base, epochsPerStep: 1 }).fadeEpochs, 0, 'fading a whole one-epoch step cost MNIST 0.1-0.2 points');
  assert.equal(resolveConfig('t.onnx', { ...base, epochsPerStep: 1, fadeEpochs: 0.5 }).fadeEpochs, 0.5);
  assert.equal(resolveConfig('t.onnx', { ...base, fadeEpochs: 0 }).fadeEpochs, 0);
  assert.equal(resolveConfig('t.onnx', { ...base, ema: 0 }).ema, null);
  assert.equal(resolveConfig('t.onnx', { ...base, ema: 0.99 }).ema, 0.99);
});

test('a run.json written before these defaults resumes with the settings it recorded', async () => {
  // what a run started with the earlier defaults recorded (and, from before fadeEpochs and ema existed, nothing of them)
  const dir = mkdtempSync(join(tmpdir(), 'whittle-old-run-'));
  const old = { ...resolveConfig('t.onnx', { data: 'mnist', ratios: [0.5, 0.5, 0.5], epochsPerStep: 2, temperature: 4, batchSize: 128, augment: 'default', ema: 0 }) } as Record<string, unknown>;
  delete old['fadeEpochs'];
  delete old['ema'];
  writeFileSync(join(dir, 'run.json'), JSON.stringify(old));
  const c = await readRunConfig(dir);
  assert.deepEqual([c.epochsPerStep, c.temperature, c.batchSize, c.augment, c.fadeEpochs, c.ema], [[2, 2, 2], 4, 128, 'default', 0, null]);
});
