import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, buildZooGraph, infer, manualSeed, runGraph, tensor, writeReport } from '../../src/index.js';

test('infer runs a one-input model and returns its first output, as runGraph does; a misfit input is a ConfigError', () => {
  manualSeed(0);
  const g = buildZooGraph('mlp', { input: [1, 4, 4], classes: 3 });
  const x = Float32Array.from({ length: 32 }, (_, i) => i / 32);
  const y = infer(g, x, [2, 1, 4, 4]);
  const ref = runGraph(g, { [g.inputs[0]!.name]: tensor(x, [2, 1, 4, 4], 'float32') })[g.outputs[0]!.name]!;
  assert.deepEqual(y.shape, [2, 3]);
  assert.deepEqual(y.toArray(), ref.toArray());
  assert.throws(() => infer(g, x, [2, 1, 2, 8]), (e: unknown) => e instanceof ConfigError && /has shape \[2, 1, 2, 8\]; the model's input/.test(e.message));
  for (const t of [y, ref]) t.dispose();
  g.dispose();
});

test('writeReport refuses folders without a finished run, and an empty list', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-report-api-'));
  await assert.rejects(writeReport([dir], join(dir, 'r.html')), (e: unknown) => e instanceof ConfigError && /has no report\.json/.test(e.message));
  await assert.rejects(writeReport([], join(dir, 'r.html')), (e: unknown) => e instanceof ConfigError && /at least one run folder/.test(e.message));
});
