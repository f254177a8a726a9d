import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildZooGraph } from '../../src/zoo/index.js';
import { saveOnnx } from '../../src/onnx/index.js';
import { runCli } from './run-cli.js';

async function model(arch: 'vgg-small' | 'resnet-small'): Promise<{ dir: string; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-prune-'));
  const path = join(dir, `${arch}.onnx`);
  const g = buildZooGraph(arch, { input: [1, 28, 28], classes: 10 });
  await saveOnnx(g, path);
  g.dispose();
  return { dir, path };
}

test('prune --json reports params, macs, the achieved ratio and every group; the output runs in onnxruntime', async () => {
  for (const [arch, metric, ratio] of [['vgg-small', 'params', 0.5], ['resnet-small', 'macs', 0.25]] as const) {
    const { dir, path } = await model(arch);
    const out = join(dir, 'pruned.onnx');
    const r = runCli(['prune', path, '-o', out, '--ratio', String(ratio), '--metric', metric, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = r.lastJson() as { params: { before: number; after: number }; macs: { before: number; after: number }; achievedRatio: number; metric: string; groups: { kept: number; total: number }[] };
    assert.equal(j.metric, metric);
    const m = j[metric];
    assert.ok(Math.abs(m.after / m.before - ratio) <= 0.01 * ratio, `${arch}: ${m.after}/${m.before} vs ${ratio}`);
    assert.ok(Math.abs(j.achievedRatio - m.after / m.before) < 1e-9);
    assert.ok(j.groups.length > 0 && j.groups.every((g) => g.kept >= 1 && g.kept <= g.total));
    const session = await ort.InferenceSession.create(out);
    const x = new ort.Tensor('float32', new Float32Array(784).fill(0.3), [1, 1, 28, 28]);
    const y = (await session.run({ [session.inputNames[0]!]: x }))[session.outputNames[0]!]!;
    assert.deepEqual(y.dims, [1, 10]);
  }
});

test('prune --widths-of cuts to the channel widths of another model of the same architecture, and says so in --json', async () => {
  const { dir, path } = await model('resnet-small');
  const first = join(dir, 'first.onnx');
  assert.equal(runCli(['prune', path, '-o', first, '--ratio', '0.3', '--uniform', '--round-to', '4']).status, 0);
  const out = join(dir, 'same-widths.onnx');
  const r = runCli(['prune', path, '-o', out, '--widths-of', first, '--criterion', 'fpgm', '--json']);
  assert.equal(r.status, 0, r.stderr);
  type Summary = { widthsOf?: string; targetRatio?: number; params: { after: number }; groups: { name: string; kept: number; total: number }[] };
  const j = r.lastJson() as Summary;
  assert.equal(j.widthsOf, first);
  assert.equal(j.targetRatio, undefined);
  const again = runCli(['prune', path, '-o', join(dir, 'again.onnx'), '--ratio', '0.3', '--uniform', '--round-to', '4', '--json']).lastJson() as Summary;
  assert.deepEqual(j.groups.map((g) => [g.name, g.kept, g.total]), again.groups.map((g) => [g.name, g.kept, g.total]));
  assert.equal(j.params.after, again.params.after);
  const vgg = await model('vgg-small');
  const cases: [string[], RegExp][] = [
    [['--widths-of', vgg.path], /--widths-of: does not fit: no channel group named 'features\.0'/],
    [['--widths-of', first, '--ratio', '0.5'], /--widths-of: cannot be combined with ratio/],
    [[], /--ratio: is required, unless the widths of another model are given/],
  ];
  for (const [flags, msg] of cases) {
    const bad = runCli(['prune', path, '-o', join(dir, 'never.onnx'), ...flags]);
    assert.equal(bad.status, 2, `${flags.join(' ')}: ${bad.stderr}`);
    assert.match(bad.stderr, msg);
    assert.equal(existsSync(join(dir, 'never.onnx')), false);
  }
});

test('prune rejects bad options with one line, exit 2 and no output file', async () => {
  const { dir, path } = await model('vgg-small');
  const out = join(dir, 'never.onnx');
  const cases: [string[], RegExp][] = [
    [['--ratio', '0'], /--ratio: must be in \(0, 1\], got '0'/],
    [['--ratio', '1.5'], /--ratio: must be in \(0, 1\], got '1.5'/],
    [['--ratio', '0.5', '--criterion', 'l3'], /--criterion: expected one of l1, l2, bn-scale, taylor, fpgm, random, activation, got 'l3'/],
    [['--ratio', '0.5', '--criterion', 'taylor'], /--criterion: taylor needs data: add data \(--data SPEC/],
    [['--ratio', '0.5', '--criterion', 'activation'], /--criterion: activation needs data: add data \(--data SPEC/],
    [['--ratio', '0.5', '--ignore', 'no_such_node'], /no_such_node/],
    [['--ratio', '0.5', '--metric', 'flops'], /--metric: expected one of params, macs/],
  ];
  for (const [flags, msg] of cases) {
    const r = runCli(['prune', path, '-o', out, ...flags]);
    assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(existsSync(out), false);
  }
});

test('inspect --json lists the prunable groups and what pruning leaves untouched', async () => {
  const { path } = await model('vgg-small');
  const r = runCli(['inspect', path, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = r.lastJson() as { groups: { name: string; channels: number; members: string[] }[]; untouched: { node: string; reason: string }[] };
  assert.deepEqual(j.groups.map((g) => g.channels), [32, 32, 64, 64, 128]);
  assert.ok(j.groups[0]!.members.includes('features.1'), 'the BatchNorm after the first conv is in its group');
  assert.deepEqual(j.untouched.map((u) => u.node), ['classifier']);
  assert.match(j.untouched[0]!.reason, /network output/);
});

test('prune --criterion taylor feeds the data as compress does: --image-size resizes for a 32x32 model, --channels converts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-prune-'));
  const path = join(dir, 'lenet32.onnx');
  const g = buildZooGraph('lenet5', { input: [3, 32, 32], classes: 10 });
  await saveOnnx(g, path);
  g.dispose();
  const args = ['prune', path, '--ratio', '0.5', '--criterion', 'taylor', '--data', 'mnist', '--batches', '2'];
  const bad = runCli([...args, '-o', join(dir, 'bad.onnx')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /takes input \[N, 3, 32, 32\] but the dataset's images are 3x28x28[^\n]*\n\s*hint: --image-size 32 resizes the images to the model's side/);
  assert.equal(existsSync(join(dir, 'bad.onnx')), false);
  const ok = runCli([...args, '--image-size', '32', '-o', join(dir, 'ok.onnx'), '--json']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(Math.abs((ok.lastJson()['achievedRatio'] as number) - 0.5) <= 0.01);
  const grey = runCli([...args, '--image-size', '32', '--channels', '1', '-o', join(dir, 'grey.onnx')]);
  assert.equal(grey.status, 2);
  assert.match(grey.stderr, /hint: --channels 3 converts grey and RGB images/);
});
