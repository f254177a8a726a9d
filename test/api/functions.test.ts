import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compress, inspect, loadOnnx, prune, trainTeacher, ConfigError } from '../../src/index.js';
import { tryLoadAddon } from '../../src/native/index.js';
import { repoRoot, runCli } from '../cli/run-cli.js';

const TEACHER = join(repoRoot, 'teachers', 'vgg-small-mnist.onnx');

test('prune() returns a new model at the ratio and leaves the input unchanged; inspect() is what inspect --json prints', async (t) => {
  if (!tryLoadAddon()) return t.skip('the native addon is not built');
  const model = loadOnnx(TEACHER);
  try {
    const before = model.parameterCount();
    const r = await prune(model, { ratio: 0.5, metric: 'macs', roundTo: 8 });
    try {
      assert.equal(model.parameterCount(), before);
      assert.equal(r.params.before, before);
      assert.equal(r.model.parameterCount(), r.params.after);
      assert.ok(Math.abs(r.macs.after / r.macs.before - 0.5) <= 0.005, `${r.macs.after}/${r.macs.before}`);
      assert.equal(r.achievedRatio, r.macs.after / r.macs.before);
      assert.equal(inspect(r.model).params, r.params.after);
    } finally {
      r.model.dispose();
    }
    await assert.rejects(prune(model, { ratio: 0.5, global: true, uniform: true }), /uniform: cannot be combined with global/);
    await assert.rejects(prune(model, {}), /ratio: is required, unless the widths of another model are given/);
    // widthsOf takes a loaded model too: the same widths, and the model passed stays usable
    const half = await prune(model, { ratio: 0.5 });
    const same = await prune(model, { widthsOf: half.model, criterion: 'l2' });
    try {
      assert.deepEqual(same.groups.map((g) => g.kept), half.groups.map((g) => g.kept));
      assert.equal(same.params.after, half.model.parameterCount());
    } finally {
      for (const m of [half.model, same.model]) m.dispose();
    }
  } finally {
    model.dispose();
  }
  const cli = runCli(['inspect', TEACHER, '--json']);
  assert.equal(cli.status, 0, cli.stderr);
  assert.deepEqual(inspect(TEACHER), cli.lastJson());
});

test('compress() checks every option before it makes the run folder', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'whittle-api-')), 'run');
  const base = { teacher: TEACHER, data: 'mnist', out };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...base, ratios: [0.5], ratoi: 0.5 }, /^ratoi: unknown option/],
    [{ ...base, ratios: [0.5], epochsPerStep: 'two' }, /^epochsPerStep: expected a whole number >= 0/],
    [{ ...base, ratios: [0.5], onEvent: 'print' }, /^onEvent: expected a function/],
    [{ teacher: TEACHER, out, ratios: [0.5] }, /^data: is required/],
    [{ resume: out, ratios: [0.5] }, /^resume: takes no other run options but threads \(got ratios\)/],
    [{ ...base, ratios: [0.5], schedule: 'onecycle', warmupSteps: 10 }, /^warmupSteps: is the cosine schedule's warmup/],
    [{ ...base, ratios: [0.5], schedule: 'linear' }, /^schedule: expected one of cosine, onecycle/],
  ];
  for (const [options, msg] of cases) {
    // deliberately untyped: what a JavaScript caller may pass
    await assert.rejects(compress(options as unknown as Parameters<typeof compress>[0]), (e: unknown) => e instanceof ConfigError && msg.test(e.message));
  }
  assert.equal(existsSync(out), false);
});

test('trainTeacher({ model }) fine-tunes a copy of a model given as a graph: the caller\'s graph is left as it was', async (t) => {
  if (!tryLoadAddon()) return t.skip('the native addon is not built');
  const given = loadOnnx(TEACHER);
  const before = given.initializers.get('features.0.weight')!.tensor.toArray();
  const trained = await trainTeacher({ model: given, data: 'mnist', epochs: 1, trainSubset: 512, valSize: 128, batchSize: 64, threads: 1 });
  assert.deepEqual(given.initializers.get('features.0.weight')!.tensor.toArray(), before);
  assert.notDeepEqual(trained.initializers.get('features.0.weight')!.tensor.toArray(), before, 'the copy is trained');
  assert.deepEqual(trained.nodes.map((n) => n.opType), given.nodes.map((n) => n.opType));
  assert.equal(trained.metadata['whittle.labels'], given.metadata['whittle.labels']);
  given.dispose();
  trained.dispose();
  await assert.rejects(trainTeacher({ arch: 'lenet5', init: 'fresh', data: 'mnist' }), (e: unknown) => e instanceof ConfigError && /^init: applies to a --model only/.test(e.message));
});

test("trainTeacher({ augment: 'off' }) trains on the images as they are: fashion-mnist's default crop and flip change the run", async (t) => {
  if (!tryLoadAddon()) return t.skip('the native addon is not built');
  const lossOf = async (augment: 'default' | 'off'): Promise<number> => {
    let loss = Number.NaN;
    const g = await trainTeacher({ arch: 'lenet5', data: 'fashion-mnist', epochs: 1, trainSubset: 512, valSize: 128, batchSize: 64, threads: 1, augment, onEvent: (e) => void (e.type === 'epoch-end' && (loss = e.trainLoss)) });
    g.dispose();
    return loss;
  };
  const [off, again, on] = [await lossOf('off'), await lossOf('off'), await lossOf('default')];
  assert.equal(again, off, 'deterministic');
  assert.notEqual(on, off);
});
