import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { formatDataSpec, openDataset, parseDataSpec } from '../../src/data/index.js';

test('spec: built-ins and FORMAT:DIR forms', () => {
  assert.deepEqual(parseDataSpec('mnist'), { kind: 'builtin', name: 'mnist' });
  assert.deepEqual(parseDataSpec('fashion-mnist'), { kind: 'builtin', name: 'fashion-mnist' });
  assert.deepEqual(parseDataSpec('folder:imgs'), { kind: 'folder', dir: resolve('imgs') });
  assert.deepEqual(parseDataSpec('cifar:/data/c10'), { kind: 'cifar', dir: '/data/c10' });
  assert.equal(formatDataSpec(parseDataSpec('npy:/a/b')), 'npy:/a/b');
  // A colon inside the path is kept.
  assert.deepEqual(parseDataSpec('idx:/x:y'), { kind: 'idx', dir: '/x:y' });
});

test('spec: unknown names, formats and empty dirs are config errors with the accepted forms as hint', () => {
  for (const bad of ['cifar10', 'zip:/x', 'npy:', 'toString', '']) {
    assert.throws(() => parseDataSpec(bad), (e: unknown) => e instanceof ConfigError && e.message.startsWith('data: ') && /idx:DIR/.test(e.hint ?? ''), bad);
  }
});

test('spec: options are checked', async () => {
  await assert.rejects(openDataset('mnist', { seed: -1 }), /seed: must be an integer in \[0, 2\^32\)/);
  await assert.rejects(openDataset('folder:/nonexistent', { imageSize: 0 }), /imageSize: must be an integer/);
});
