import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnx } from '../../src/index.js';
import { tryLoadAddon } from '../../src/native/index.js';
import { repoRoot } from '../cli/run-cli.js';

const dir = join(repoRoot, 'teachers');
const table = readFileSync(join(dir, 'README.md'), 'utf8');

test('every shipped teacher is in teachers/README.md with its parameter count, and carries the feeding metadata', (t) => {
  if (!tryLoadAddon()) return t.skip('the native addon is not built');
  const files = readdirSync(dir).filter((f) => f.endsWith('.onnx'));
  assert.ok(files.length >= 4, files.join(', '));
  for (const f of files) {
    const row = table.split('\n').find((l) => l.startsWith(`| \`${f}\` |`));
    assert.ok(row, `${f} has no row in teachers/README.md`);
    const g = loadOnnx(join(dir, f));
    try {
      assert.equal(row.split('|')[3]!.trim(), g.parameterCount().toLocaleString('en-US'), `${f}: params`);
      const pre = JSON.parse(g.metadata['whittle.preprocess']!) as { scale: number; mean: number[]; std: number[] };
      assert.equal(pre.scale, 1 / 255);
      assert.equal(pre.mean.length, 1);
      assert.equal((JSON.parse(g.metadata['whittle.labels']!) as string[]).length, 10);
      assert.match(row, /`whittle train-teacher --arch \S+ --data \S+ --epochs \d+ (--[a-z-]+ \S+ )*--seed 0 --threads 2 -o teachers\//);
    } finally {
      g.dispose();
    }
  }
});
