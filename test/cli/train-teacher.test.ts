import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadOnnx } from '../../src/onnx/index.js';
import { repoRoot, runCli } from './run-cli.js';

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

/** Starts `whittle train-teacher ARGS` and sends `signal` once it prints the line `epoch N:`; resolves with its exit. */
function stopAtEpoch(args: string[], epoch: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'whittle.js'), 'train-teacher', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes(`epoch ${epoch}:`)) child.kill(signal);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, sig) => resolve({ code, signal: sig, stdout, stderr }));
  });
}

test('train-teacher stopped by Ctrl-C, then by SIGKILL, and resumed each time writes the very file a training never stopped writes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-teacher-resume-'));
  // six epochs of ~0.3 s: each stop comes at an epoch line, with epochs left to run
  const settings = ['--arch', 'lenet5', '--data', 'mnist', '--epochs', '6', '--train-subset', '2000', '--val-size', '200', '--threads', '1'];
  const [whole, stopped] = [join(dir, 'whole.onnx'), join(dir, 'stopped.onnx')];
  const ref = runCli(['train-teacher', ...settings, '-o', whole, '--json']);
  assert.equal(ref.status, 0, ref.stderr);

  // Ctrl-C once epoch 2 has ended (epoch 1's checkpoint is on disk by then): exit 130, and how to go on
  const interrupted = await stopAtEpoch([...settings, '-o', stopped], 2, 'SIGINT');
  assert.equal(interrupted.code, 130, interrupted.stderr);
  assert.match(interrupted.stderr, /^whittle: error\[E_ABORTED\]: stopped at epoch \d, batch \d+\n {2}hint: continue with: whittle train-teacher --resume .*stopped\.onnx\n$/);
  assert.ok(!existsSync(stopped), 'no model before training ends');
  assert.ok(existsSync(`${stopped}.checkpoint/checkpoint.json`));

  // killed without warning during the resumed training, after its first new epoch
  const killed = await stopAtEpoch(['--resume', stopped], 4, 'SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  assert.match(killed.stdout, /^resumed .*stopped\.onnx after epoch [23] of 6\n/);
  assert.ok(!existsSync(stopped), 'killed before training ended');

  const resumed = runCli(['train-teacher', '--resume', stopped, '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(readFileSync(stopped), readFileSync(whole), 'the same bytes: weights, graph and metadata');
  assert.ok(!existsSync(`${stopped}.checkpoint`), 'the checkpoint is gone once the model is written');
  const rows = (j: Record<string, unknown>) => (j['epochs'] as { epoch: number; trainLoss: number; valAccuracy: number }[]).map(({ epoch, trainLoss, valAccuracy }) => ({ epoch, trainLoss, valAccuracy }));
  const [a, b] = [ref.lastJson(), resumed.lastJson()];
  assert.deepEqual(rows(b), rows(a), 'every epoch\'s numbers, those before the stops included');
  for (const k of ['arch', 'data', 'params', 'bestEpoch', 'valAccuracy', 'testAccuracy', 'testLoss']) assert.deepEqual(b[k], a[k], k);
});

test('train-teacher --resume: one clear line and exit 2 for other options, a training with no checkpoint, and -o onto a stopped training', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-teacher-resume-'));
  const out = join(dir, 't.onnx');
  const settings = ['--arch', 'lenet5', '--data', 'mnist', '--epochs', '6', '--train-subset', '2000', '--val-size', '200', '--threads', '1'];
  const none = runCli(['train-teacher', '--resume', out]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--resume: no stopped training of .*t\.onnx to continue \(.*t\.onnx\.checkpoint\/checkpoint\.json is missing/);
  assert.equal((await stopAtEpoch([...settings, '-o', out], 2, 'SIGINT')).code, 130);
  const before = readFileSync(`${out}.checkpoint/checkpoint.json`, 'utf8');
  const extra = runCli(['train-teacher', '--resume', out, '--epochs', '9']);
  assert.equal(extra.status, 2);
  assert.match(extra.stderr, /--resume: takes no other training options \(got epochs\); the training's settings are in .*t\.onnx\.checkpoint\/checkpoint\.json/);
  const again = runCli(['train-teacher', ...settings, '-o', out]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /--output: .*t\.onnx has a stopped training's checkpoint beside it .*\n {2}hint: continue it with whittle train-teacher --resume .*t\.onnx, or remove that folder/);
  for (const r of [none, extra, again]) assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('  hint:')).length, 1, r.stderr);
  assert.equal(readFileSync(`${out}.checkpoint/checkpoint.json`, 'utf8'), before, 'the stopped training is left as it was');
  assert.ok(!existsSync(out));
});
