import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildZooGraph } from '../../src/zoo/index.js';
import { saveOnnx } from '../../src/onnx/index.js';
import { repoRoot, runCli } from './run-cli.js';

async function lenet(classes: number): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'whittle-eval-')), 'm.onnx');
  const g = buildZooGraph('lenet5', { input: [1, 28, 28], classes });
  await saveOnnx(g, path);
  g.dispose();
  return path;
}

test('eval --json reports accuracy, loss, params, MACs and onnxruntime latency', async () => {
  const r = runCli(['eval', await lenet(10), '--data', 'mnist', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = r.lastJson();
  assert.equal(j['count'], 10000);
  assert.equal(j['split'], 'test');
  assert.equal(j['testAccuracy'], j['accuracy']);
  assert.ok((j['testAccuracy'] as number) >= 0 && (j['testAccuracy'] as number) <= 1);
  assert.ok(Number.isFinite(j['loss']));
  assert.equal(j['params'], 61706);
  assert.equal(j['macs'], 416520);
  assert.ok((j['latencyMs'] as number) > 0);
});

test('eval --split measures the val or train split instead, and then writes no testAccuracy', async () => {
  const model = await lenet(10);
  const counts = { val: 5000, train: 55000 };
  for (const [split, count] of Object.entries(counts)) {
    const r = runCli(['eval', model, '--data', 'mnist', '--split', split, '--no-latency', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = r.lastJson();
    assert.deepEqual([j['split'], j['count'], 'testAccuracy' in j, j['latencyMs']], [split, count, false, null]);
    assert.ok((j['accuracy'] as number) >= 0 && (j['accuracy'] as number) <= 1);
  }
  const bad = runCli(['eval', model, '--data', 'mnist', '--split', 'training']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--split: expected one of test, val, train/);
  const empty = runCli(['eval', model, '--data', 'mnist', '--split', 'val', '--val-size', '0']);
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /--split: the val split of mnist has no images/);
  assert.match(empty.stderr, /--val-size/);
});

test('eval refuses a model that does not fit the dataset, or mirror views of digits, with one line and exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [[await lenet(5), '--data', 'mnist'], /model: predicts 5 classes \(output \[N, 5\]\) but the dataset has 10/],
    [[join(repoRoot, 'test', 'fixtures', 'onnx', 'activations17', 'model.onnx'), '--data', 'mnist'], /model: takes input \[N, 3, 12, 12\] but the dataset's images are 3x28x28 \(channels, height, width\)\n\s*hint: --image-size 12 resizes the images to the model's side/],
    [['/nonexistent.onnx', '--data', 'mnist'], /nonexistent\.onnx/],
    [[await lenet(10), '--data', 'mnist', '--views', 'flip'], /--views: 'flip' needs images whose mirror image has the same class, and mnist's default augmentation does not flip .*\n\s*hint: leave it off/],
  ];
  for (const [args, msg] of cases) {
    const r = runCli(['eval', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('eval of an RGB model on grey MNIST repeats the images over three channels and says so on stderr; --channels 1 refuses', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'whittle-eval-')), 'rgb.onnx');
  const g = buildZooGraph('lenet5', { input: [3, 28, 28], classes: 10 });
  await saveOnnx(g, path);
  g.dispose();
  const r = runCli(['eval', path, '--data', 'mnist', '--no-latency']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^warning: the images are grey and the model takes RGB: each repeated over 3 channels/m);
  const j = runCli(['eval', path, '--data', 'mnist', '--no-latency', '--json']).lastJson();
  assert.equal((j['warnings'] as string[]).length, 1);
  const bad = runCli(['eval', path, '--data', 'mnist', '--channels', '1']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /takes input \[N, 3, 28, 28\] but the dataset's images are 1x28x28[^\n]*\n\s*hint: --channels 3 converts grey and RGB images/);
});

test('eval of a 32x32 model on 28x28 MNIST names --image-size, which resizes the images', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'whittle-eval-')), 'lenet32.onnx');
  const g = buildZooGraph('lenet5', { input: [1, 32, 32], classes: 10 });
  await saveOnnx(g, path);
  g.dispose();
  const bad = runCli(['eval', path, '--data', 'mnist', '--no-latency']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /takes input \[N, 1, 32, 32\] but the dataset's images are 1x28x28[^\n]*\n\s*hint: --image-size 32 resizes the images to the model's side/);
  const j = runCli(['eval', path, '--data', 'mnist', '--image-size', '32', '--no-latency', '--json']).lastJson();
  assert.deepEqual(j['warnings'], []);
  assert.equal(j['count'], 10000);
  assert.ok((j['testAccuracy'] as number) >= 0 && (j['testAccuracy'] as number) <= 1);
});
