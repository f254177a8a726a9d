import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/pipeline/run-config.js';

test('resolveConfig fills the lr of the chosen optimizer when none is given, and keeps a given one', () => {
  const base = { data: 'mnist', ratios: [0.5] };
  assert.equal(resolveConfig('t.onnx', base).lr, 0.02);
  assert.equal(resolveConfig('t.onnx', { ...base, optimizer: 'adamw' }).lr, 0.001);
  assert.equal(resolveConfig('t.onnx', { ...base, optimizer: 'adamw', lr: 0.3 }).lr, 0.3);
  const c = resolveConfig('t.onnx', base);
  assert.deepEqual([c.optimizer, c.batchSize, c.weightDecay, c.alpha, c.allocation], ['sgd', 128, 5e-4, 0.5, 'uniform']);
});
