import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFolder } from '../../src/util/make-folder.js';

test('makeFolder makes a folder and its missing parents, and leaves an existing one as it is', async () => {
  const root = mkdtempSync(join(tmpdir(), 'whittle-mkdir-'));
  await makeFolder(join(root, 'a', 'b', 'c'));
  assert.ok(statSync(join(root, 'a', 'b', 'c')).isDirectory());
  writeFileSync(join(root, 'a', 'keep'), 'x');
  await makeFolder(join(root, 'a'));
  assert.deepEqual(readdirSync(join(root, 'a')).sort(), ['b', 'keep']);
});

test('makeFolder fails where a parent cannot be made, and removes the parents it made', { timeout: 20_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'whittle-mkdir-'));
  writeFileSync(join(root, 'file'), 'x');
  await assert.rejects(makeFolder(join(root, 'file', 'run')), { code: 'ENOTDIR' });
  // the parent is made, then the child's name is too long: the parent goes again
  await assert.rejects(makeFolder(join(root, 'parent', 'x'.repeat(300))), { code: 'ENAMETOOLONG' });
  assert.deepEqual(readdirSync(root), ['file']);
  // Node's recursive mkdir never returns here (as root /proc passes access(W_OK) but takes no new folder)
  if (existsSync('/proc/self')) await assert.rejects(makeFolder('/proc/whittle-no-such/run'), (e: NodeJS.ErrnoException) => ['ENOENT', 'EACCES', 'EPERM'].includes(e.code ?? ''));
  assert.equal(existsSync('/proc/whittle-no-such'), false);
});
