import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadOnnx } from '../../src/onnx/index.js';
import { runCli } from './run-cli.js';

test('train-teacher writes an ONNX model with preprocess and labels metadata that onnxruntime runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-teacher-'));
  const out = join(dir, 'teacher.onnx');
  const r = runCli(['train-teacher', '--arch', 'lenet5', '--data', 'mnist', '--epochs', '1', '--train-subset', '1500', '--val-size', '300', '--batch-size', '64', '-o', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = r.lastJson();
  assert.equal(j['output'], out);
  assert.ok((j['testAccuracy'] as number) > 0.2, `test accuracy ${String(j['testAccuracy'])}`);
  assert.deepEqual(readdirSync(dir), ['teacher.onnx'], 'no temp files left');
  const g = loadOnnx(out);
  assert.deepEqual(JSON.parse(g.metadata['whittle.labels']!), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual(JSON.parse(g.metadata['whittle.preprocess']!), { scale: 1 / 255, mean: [0.1307], std: [0.3081] });
  g.dispose();
  const session = await ort.InferenceSession.create(out);
  const x = new ort.Tensor('float32', new Float32Array(2 * 784).fill(0.5), [2, 1, 28, 28]);
  const y = (await session.run({ [session.inputNames[0]!]: x }))[session.outputNames[0]!]!;
  assert.deepEqual(y.dims, [2, 10]);
});

test('train-teacher refuses an unwritable output before training, with one line and exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['-o', '/nonexistent/dir/t.onnx'], /--output: folder \/nonexistent\/dir does not exist/],
    [['-o', tmpdir()], /--output: .* is a folder; give a file name/],
    [['--arch', 'alexnet', '-o', join(tmpdir(), 'x.onnx')], /--arch: expected one of mlp, lenet5, vgg-small/],
    [['--data', 'idx:/nonexistent', '-o', join(tmpdir(), 'x.onnx')], /\/nonexistent: directory not found/],
    [['--arch', 'lenet5', '--data', 'mnist', '--val-size', '0', '-o', join(tmpdir(), 'x.onnx')], /--val-size: 0 leaves no validation images/],
  ];
  for (const [flags, msg] of cases) {
    const r = runCli(['train-teacher', '--epochs', '1', ...flags]);
    assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  assert.equal(existsSync(join(tmpdir(), 'x.onnx')), false);
});

test('train-teacher on an image folder resizes to --image-size, and the model takes that size', async () => {
  const { writeClassFolders } = await import('../data/fixtures.js');
  const root = mkdtempSync(join(tmpdir(), 'whittle-folder-'));
  await writeClassFolders(root, ['cat', 'dog'], 10, 20);
  const out = join(root, 'folder-teacher.onnx');
  const r = runCli(['train-teacher', '--arch', 'lenet5', '--data', `folder:${root}`, '--image-size', '16', '--epochs', '1', '--batch-size', '4', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  const g = loadOnnx(out);
  assert.deepEqual(g.inputs[0]!.shape, ['N', 3, 16, 16]);
  assert.deepEqual(JSON.parse(g.metadata['whittle.labels']!), ['cat', 'dog']);
  g.dispose();
});
