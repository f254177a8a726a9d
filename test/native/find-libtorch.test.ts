import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../cli/run-cli.js';

function find(env: Record<string, string>): { status: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'find-libtorch.mjs')], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('without LIBTORCH the system or Python libtorch is found and named', () => {
  const r = find({});
  assert.equal(r.status, 0, r.err);
  const found = JSON.parse(r.out) as { source: string; include: string[]; lib: string };
  assert.match(found.source, /system|python torch/);
  assert.ok(existsSync(join(found.lib, 'libtorch.so')) || existsSync(join(found.lib, 'libtorch_cpu.so')));
});

test('LIBTORCH naming a folder without libtorch fails with the remedy', () => {
  const r = find({ LIBTORCH: '/nonexistent/libtorch' });
  assert.equal(r.status, 1);
  assert.match(r.err, /LIBTORCH=\/nonexistent\/libtorch: .*torch\.h not found; LIBTORCH must name a folder with include\/ and lib\//);
});

test('LIBTORCH naming a libtorch folder (include/ and lib/) is used first', (t) => {
  const sys = JSON.parse(find({}).out) as { include: string[]; lib: string; source: string };
  if (!sys.source.startsWith('system')) return t.skip('needs the system libtorch to build a fake LIBTORCH folder');
  const root = mkdtempSync(join(tmpdir(), 'libtorch-'));
  symlinkSync(sys.include[0]!, join(root, 'include'));
  mkdirSync(join(root, 'lib'));
  for (const f of ['libtorch.so', 'libtorch_cpu.so', 'libc10.so']) symlinkSync(join(sys.lib, f), join(root, 'lib', f));
  const r = find({ LIBTORCH: root });
  assert.equal(r.status, 0, r.err);
  const found = JSON.parse(r.out) as { source: string; lib: string; cxx11abi: boolean };
  assert.equal(found.source, `LIBTORCH=${root}`);
  assert.equal(found.lib, join(root, 'lib'));
  assert.equal(found.cxx11abi, true);
});
