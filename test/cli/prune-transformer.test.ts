import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli } from './run-cli.js';

const wild = (name: string): string => join(repoRoot, 'test', 'fixtures', 'wild', name, 'model.onnx');

test('inspect lists a ViT by group kind; prune --attention dims --json reports each kind with kept and total', () => {
  const i = runCli(['inspect', wild('vit-op13-fixed')]);
  assert.equal(i.status, 0, i.stderr);
  assert.match(i.stdout, /heads 4 x 8/);
  assert.match(i.stdout, /mlp 64/);
  assert.match(i.stdout, /embedding 32/);
  const out = join(mkdtempSync(join(tmpdir(), 'whittle-vit-')), 'pruned.onnx');
  const r = runCli(['prune', wild('vit-op13-fixed'), '-o', out, '--ratio', '0.5', '--attention', 'dims', '--prune-embedding', 'off', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const groups = (r.lastJson() as { groups: { kind: string; kept: number; total: number; unitSize: number }[] }).groups;
  assert.deepEqual(groups.map((g) => g.kind), ['head-dims', 'mlp', 'head-dims', 'mlp']);
  assert.ok(groups.every((g) => g.kept >= 1 && g.kept <= g.total));
  assert.deepEqual(groups.filter((g) => g.kind === 'head-dims').map((g) => [g.total, g.unitSize]), [[8, 4], [8, 4]]);
});

test('--attention on a model without multi-head attention: one error line, exit 2, nothing written', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'whittle-lenet-')), 'pruned.onnx');
  const r = runCli(['prune', wild('lenet-op13-fixed'), '-o', out, '--ratio', '0.5', '--attention', 'heads']);
  assert.equal(r.status, 2);
  assert.match(r.stderr.split('\n')[0]!, /--attention: the model has no multi-head attention/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.ok(!existsSync(out));
});
