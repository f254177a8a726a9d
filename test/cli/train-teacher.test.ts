import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadOnnx, saveOnnx } from '../../src/onnx/index.js';
import { manualSeed } from '../../src/tensor/index.js';
import { Graph, foldBatchNorm, foldableBatchNorms } from '../../src/graph/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { Net, param } from '../prune/helpers.js';
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
    // as root, /proc passes access(W_OK) but takes no checkpoint folder: refused before training, not after an epoch
    [['-o', '/proc/whittle-t.onnx'], /--output: folder \/proc is not writable/],
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
  writeFileSync(join(root, 'dog', 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\n this is not really a png'));
  const out = join(root, 'folder-teacher.onnx');
  const r = runCli(['train-teacher', '--arch', 'lenet5', '--data', `folder:${root}`, '--image-size', '16', '--epochs', '1', '--batch-size', '4', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^warning: skipped 1 unreadable image \(first: .*broken\.png\)/m, 'what the dataset said while opening is shown');
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

test('train-teacher --resume: one clear line and exit 2 for other options (--threads goes with it), a training with no checkpoint, and -o onto a stopped training', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-teacher-resume-'));
  const out = join(dir, 't.onnx');
  const settings = ['--arch', 'lenet5', '--data', 'mnist', '--epochs', '6', '--train-subset', '2000', '--val-size', '200', '--threads', '1'];
  const none = runCli(['train-teacher', '--resume', out]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--resume: no stopped training of .*t\.onnx to continue \(.*t\.onnx\.checkpoint\/checkpoint\.json is missing/);
  assert.equal((await stopAtEpoch([...settings, '-o', out], 2, 'SIGINT')).code, 130);
  const before = readFileSync(`${out}.checkpoint/checkpoint.json`, 'utf8');
  const extra = runCli(['train-teacher', '--resume', out, '--threads', '2', '--epochs', '9']);
  assert.equal(extra.status, 2);
  assert.match(extra.stderr, /--resume: takes no other training options but threads \(got epochs\); the training's settings are in .*t\.onnx\.checkpoint\/checkpoint\.json/);
  const again = runCli(['train-teacher', ...settings, '-o', out]);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /--output: .*t\.onnx has a stopped training's checkpoint beside it .*\n {2}hint: continue it with whittle train-teacher --resume .*t\.onnx, or remove that folder/);
  for (const r of [none, extra, again]) assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('  hint:')).length, 1, r.stderr);
  assert.equal(readFileSync(`${out}.checkpoint/checkpoint.json`, 'utf8'), before, 'the stopped training is left as it was');
  assert.ok(!existsSync(out));

  // the thread count is the machine's: a resume on 2 threads goes on with them (and its checkpoints say so), the next
  // resume without --threads keeps them
  assert.equal((await stopAtEpoch(['--resume', out, '--threads', '2'], 4, 'SIGINT')).code, 130);
  const settingsOf = (): Record<string, unknown> => (JSON.parse(readFileSync(`${out}.checkpoint/checkpoint.json`, 'utf8')) as { settings: Record<string, unknown> }).settings;
  const { threads, ...rest } = settingsOf();
  assert.equal(threads, 2);
  assert.deepEqual(rest, (({ threads: _, ...r }) => r)((JSON.parse(before) as { settings: Record<string, unknown> }).settings), 'every training setting as it was');
  const done = runCli(['train-teacher', '--resume', out]);
  assert.equal(done.status, 0, done.stderr);
  assert.ok(existsSync(out) && !existsSync(`${out}.checkpoint`));
});

/**
 * A zoo architecture, untrained, with its BatchNorms folded into the convs: what torch.onnx.export writes in eval
 * mode, which also stores the equal (all-zero) biases that folding gives as one tensor (`tie`: convs that read the
 * first's).
 */
async function foldedModelFile(dir: string, arch: 'vgg-small' | 'lenet5', tie: string[] = []): Promise<string> {
  manualSeed(0);
  let g = buildZooGraph(arch, { input: [1, 28, 28], classes: 10 });
  foldBatchNorm(g, foldableBatchNorms(g));
  if (tie.length) {
    const bias = (name: string): string => g.nodes.find((n) => n.name === name)!.inputs[2]!;
    const [first, ...rest] = tie.map(bias);
    const nodes = g.nodes.map((n) => ({ ...n, inputs: n.inputs.map((v) => (rest.includes(v) ? first! : v)) }));
    for (const v of rest) g.initializers.get(v)!.tensor.dispose();
    const initializers = new Map([...g.initializers].filter(([v]) => !rest.includes(v)));
    g = new Graph({ name: g.name, inputs: g.inputs, outputs: g.outputs, nodes, initializers, opset: g.opset, metadata: g.metadata });
  }
  const file = join(dir, `${arch}-folded.onnx`);
  await saveOnnx(g, file);
  g.dispose();
  return file;
}

const opTypes = (file: string): string[] => {
  const g = loadOnnx(file);
  const ops = g.nodes.map((n) => n.opType);
  g.dispose();
  return ops;
};

test('train-teacher --model X.onnx --init fresh trains a folded export from scratch: BatchNorm for training, folded back in the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-teacher-model-'));
  const model = await foldedModelFile(dir, 'vgg-small', ['features.0', 'features.3']);
  assert.ok(!opTypes(model).includes('BatchNormalization'));
  const biases = (file: string): [string, number[]][] => {
    const g = loadOnnx(file);
    const r = ['features.0', 'features.3'].map((c) => g.nodes.find((n) => n.name === c)!.inputs[2]!).map((v): [string, number[]] => [v, g.initializers.get(v)!.tensor.toArray()]);
    g.dispose();
    return r;
  };
  assert.equal(new Set(biases(model).map(([v]) => v)).size, 1, 'the file stores the two zero biases once');
  const out = join(dir, 'trained.onnx');
  const r = runCli(['train-teacher', '--model', model, '--init', 'fresh', '--data', 'mnist', '--epochs', '1', '--train-subset', '2000', '--val-size', '300', '--batch-size', '64', '-o', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = r.lastJson();
  assert.equal(j['model'], model);
  assert.equal(j['arch'], undefined);
  assert.equal(j['batchNormInserted'], 5, "a BatchNorm after each of vgg-small's 5 convs");
  assert.deepEqual(j['untied'], [biases(model)[0]![0]], 'the one bias the file stores for two convs');
  assert.ok((j['testAccuracy'] as number) > 0.6, `a fresh vgg-small learns MNIST in one short epoch: test accuracy ${String(j['testAccuracy'])}`);
  assert.deepEqual(opTypes(out), opTypes(model), 'the same architecture, the re-inserted BatchNorms folded away');
  const [a, b] = biases(out);
  assert.notEqual(a![0], b![0], 'each conv trained its own bias, as each layer of the module had one');
  assert.notDeepEqual(a![1].slice(0, 8), b![1].slice(0, 8));
  assert.deepEqual(readdirSync(dir).sort(), ['trained.onnx', 'vgg-small-folded.onnx'], 'no checkpoint or temp files left');
  const ev = runCli(['eval', out, '--data', 'mnist', '--no-latency', '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.equal(ev.lastJson()['accuracy'], j['testAccuracy'], 'the file written is the model measured');
});

test('train-teacher --model stopped by Ctrl-C, then by SIGKILL, and resumed writes the very file a training never stopped writes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-teacher-model-resume-'));
  // lenet5 has no BatchNorm: auto inserts one after each conv, calibrated to keep the model's function
  const model = await foldedModelFile(dir, 'lenet5');
  const settings = ['--model', model, '--data', 'mnist', '--epochs', '6', '--train-subset', '2000', '--val-size', '200', '--threads', '1'];
  const [whole, stopped] = [join(dir, 'whole.onnx'), join(dir, 'stopped.onnx')];
  const ref = runCli(['train-teacher', ...settings, '-o', whole, '--json']);
  assert.equal(ref.status, 0, ref.stderr);
  assert.equal((await stopAtEpoch([...settings, '-o', stopped], 2, 'SIGINT')).code, 130);
  assert.ok(existsSync(`${stopped}.checkpoint/source.onnx`), 'the model it started from is kept with the checkpoint');
  const killed = await stopAtEpoch(['--resume', stopped], 4, 'SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  assert.match(killed.stdout, /^resumed .*stopped\.onnx after epoch [23] of 6\n/);
  const resumed = runCli(['train-teacher', '--resume', stopped, '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(readFileSync(stopped), readFileSync(whole), 'the same bytes');
  assert.ok(!existsSync(`${stopped}.checkpoint`));
  assert.equal(resumed.lastJson()['model'], model);
  assert.equal(resumed.lastJson()['batchNormInserted'], 2, "lenet5's two convs");
  assert.deepEqual(opTypes(whole), opTypes(model), 'the inserted BatchNorms folded back');
});

test('train-teacher --model --new-head trains a model on other classes; without it, the class count is refused with that hint', async () => {
  const { writeClassFolders } = await import('../data/fixtures.js');
  const root = mkdtempSync(join(tmpdir(), 'whittle-folder-'));
  await writeClassFolders(root, ['cat', 'dog'], 10, 20);
  const model = await foldedModelFile(root, 'lenet5');
  const out = join(root, 'pets.onnx');
  const refused = runCli(['train-teacher', '--model', model, '--data', `folder:${root}`, '--epochs', '1', '--batch-size', '4', '-o', out]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /^whittle: error\[E_CONFIG\]: --model: predicts 10 classes \(output \[N, 10\]\) but the dataset has 2\n {2}hint: --new-head replaces its last linear layer/);
  const r = runCli(['train-teacher', '--model', model, '--new-head', '--data', `folder:${root}`, '--epochs', '1', '--batch-size', '4', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^warning: the model has no whittle\.preprocess metadata, so its inputs are normalised with the dataset's statistics \(--mean [\d.]+ --std [\d.]+\); if its weights were trained with others/m);
  const g = loadOnnx(out);
  assert.deepEqual(g.inputs[0]!.shape, ['N', 1, 28, 28], 'the images come at the model\'s input: grey, 28x28');
  assert.deepEqual(g.outputs[0]!.shape, ['N', 2]);
  assert.deepEqual(JSON.parse(g.metadata['whittle.labels']!), ['cat', 'dog']);
  g.dispose();
});

test('train-teacher --model: one clear line and exit 2 for --arch beside it, model options without it, a missing file and a weight with no known fresh start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-teacher-model-bad-'));
  const model = await foldedModelFile(dir, 'lenet5');
  const net = new Net([1, 28, 28]);
  net.inits['scale'] = param([1, 8, 1, 1]);
  const scaled = net.build(net.n('Mul', [net.conv('input', 1, 8, 3, 'conv'), 'scale'], {}, undefined, 'layer_scale'), 8, 10);
  const scaledFile = join(dir, 'scaled.onnx');
  await saveOnnx(scaled, scaledFile);
  scaled.dispose();
  const out = join(dir, 'out.onnx');
  const cases: [string[], RegExp][] = [
    [['--model', model, '--arch', 'lenet5'], /--model: and arch \(lenet5\) both say what to train\n {2}hint: give one of them/],
    [['--init', 'fresh'], /--init: applies to a --model only/],
    [['--new-head'], /--new-head: applies to a --model only/],
    [['--model', join(dir, 'missing.onnx')], /missing\.onnx/],
    [['--model', scaledFile, '--init', 'fresh'], /--model: cannot re-initialise 'scale' \(read by Mul 'layer_scale'\).*\n {2}hint: train it with --init keep/],
  ];
  for (const [flags, msg] of cases) {
    const r = runCli(['train-teacher', '--data', 'mnist', '--epochs', '1', '--train-subset', '500', '--val-size', '100', ...flags, '-o', out]);
    assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('  hint:')).length, 1, r.stderr);
  }
  assert.ok(!existsSync(out));
  assert.ok(!existsSync(`${out}.checkpoint`));
});
