import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/pipeline/run-config.js';
import { ConfigError } from '../../src/errors.js';

test('resolveConfig fills the lr of the chosen optimizer when none is given, and keeps a given one', () => {
  const base = { data: 'mnist', ratios: [0.5] };
  assert.equal(resolveConfig('t.onnx', base).lr, 0.02);
  assert.equal(resolveConfig('t.onnx', { ...base, optimizer: 'adamw' }).lr, 0.001);
  assert.equal(resolveConfig('t.onnx', { ...base, optimizer: 'adamw', lr: 0.3 }).lr, 0.3);
  const c = resolveConfig('t.onnx', base);
  assert.deepEqual([c.optimizer, c.batchSize, c.weightDecay, c.alpha, c.allocation], ['sgd', 128, 5e-4, 0.5, 'uniform']);
});

test('resolveConfig refuses --uniform-of first with global allocation, which would ignore it', () => {
  const base = { data: 'mnist', ratios: [0.5, 0.5] };
  assert.equal(resolveConfig('t.onnx', { ...base, uniformOf: 'first' }).uniformOf, 'first');
  assert.equal(resolveConfig('t.onnx', { ...base, allocation: 'global' }).uniformOf, 'current');
  assert.throws(() => resolveConfig('t.onnx', { ...base, allocation: 'global', uniformOf: 'first' }),
    (e: unknown) => e instanceof ConfigError && /uniformOf: 'first' measures uniform allocation's fractions, and allocation is 'global'/.test(e.message) && /--allocation uniform/.test(e.hint ?? ''));
});
