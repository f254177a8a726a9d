// How images are normalised for a model: --mean/--std when given, else the model's whittle.preprocess when it fits
// the data, else the dataset's statistics; and the commands feed a teacher trained with other statistics as it was
// trained, and write those statistics into what they make.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset } from '../../src/data/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { ConfigError } from '../../src/errors.js';
import { normalizedFor } from '../../src/pipeline/normalization.js';
import { runCli } from '../cli/run-cli.js';
import { compress, type CompressEvent } from '../../src/pipeline/compress.js';
import { newRun, smallIdxData, vggTeacherFile } from './fixtures.js';

const DATA = smallIdxData();

test('normalizedFor: given mean/std first, then the model\'s whittle.preprocess when it fits, then the dataset\'s', async () => {
  const ds = await openDataset(DATA);
  const g = buildZooGraph('mlp', { input: [1, 12, 12], classes: 10 });
  try {
    assert.equal(normalizedFor(ds, {}, g), ds, 'no metadata: the dataset as opened');
    g.metadata['whittle.preprocess'] = JSON.stringify({ scale: 1 / 255, mean: [0.5], std: [0.25] });
    const fromModel = normalizedFor(ds, {}, g);
    assert.deepEqual([fromModel.mean, fromModel.std, fromModel.statsSource], [[0.5], [0.25], 'model']);
    const given = normalizedFor(ds, { mean: [0.1], std: [0.2] }, g);
    assert.deepEqual([given.mean, given.std, given.statsSource], [[0.1], [0.2], 'given']);
    assert.deepEqual([ds.mean.length, ds.statsSource], [1, 'computed'], 'the opened dataset is not changed');
    g.metadata['whittle.preprocess'] = JSON.stringify({ scale: 1, mean: [0.5], std: [0.25] });
    assert.equal(normalizedFor(ds, {}, g), ds, 'another pixel scale (float data) does not fit 8-bit images');
    g.metadata['whittle.preprocess'] = JSON.stringify({ scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] });
    assert.equal(normalizedFor(ds, {}, g), ds, 'three channels do not fit grey images');

    const err = (f: () => unknown, key: string, re: RegExp): void => assert.throws(f, (e: unknown) => e instanceof ConfigError && e.path === key && re.test(e.message));
    err(() => normalizedFor(ds, { mean: [0.5] }, null), 'std', /must be given too when the mean is/);
    err(() => normalizedFor(ds, { std: [0.5] }, null), 'mean', /must be given too when the std is/);
    err(() => normalizedFor(ds, { mean: [0.5, 0.5], std: [0.5] }, null), 'mean', /has 2 values but the dataset's images have 1 channel/);
    g.metadata['whittle.preprocess'] = '{"scale": 0.5}';
    err(() => normalizedFor(ds, {}, g, 'teacher'), 'teacher', /whittle\.preprocess metadata is not/);
    assert.equal(normalizedFor(ds, { mean: [0], std: [1] }, g).statsSource, 'given', 'given values win over malformed metadata');
  } finally {
    g.dispose();
  }
});

test('a teacher trained with --mean/--std is evaluated and compressed as it was trained; its students say so', () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-norm-'));
  const teacher = join(dir, 'teacher.onnx');
  const common = ['--train-subset', '1500', '--val-size', '300'];
  const t = runCli(['train-teacher', '--arch', 'lenet5', '--data', 'mnist', '--epochs', '1', '--batch-size', '64', ...common, '--mean', '0.5', '--std', '0.5', '-o', teacher, '--json']);
  assert.equal(t.status, 0, t.stderr);
  const meta = (path: string): unknown => {
    const g = loadOnnx(path);
    const p = JSON.parse(g.metadata['whittle.preprocess']!) as unknown;
    g.dispose();
    return p;
  };
  assert.deepEqual(meta(teacher), { scale: 1 / 255, mean: [0.5], std: [0.5] });

  const acc = (...flags: string[]): number => {
    const r = runCli(['eval', teacher, '--data', 'mnist', '--no-latency', '--json', ...flags]);
    assert.equal(r.status, 0, r.stderr);
    return r.lastJson()['accuracy'] as number;
  };
  const own = acc();
  assert.equal(own, t.lastJson()['testAccuracy'], 'eval reads the metadata: the accuracy train-teacher measured');
  assert.equal(acc('--mean', '0.5', '--std', '0.5'), own);
  assert.notEqual(acc('--mean', '0.1307', '--std', '0.3081'), own, "fed with MNIST's statistics the teacher sees other inputs");

  const run = join(dir, 'run');
  const c = runCli(['compress', '--teacher', teacher, '--data', 'mnist', ...common, '--ratios', '0.5', '--epochs-per-step', '1', '-o', run, '--json']);
  assert.equal(c.status, 0, c.stderr);
  const report = c.lastJson() as { teacher: { testAccuracy: number } };
  assert.equal(report.teacher.testAccuracy, own, "compress measures the teacher as eval does");
  assert.deepEqual(meta(join(run, 'student.onnx')), { scale: 1 / 255, mean: [0.5], std: [0.5] }, 'the student is fed as its teacher');

  const bad = runCli(['eval', teacher, '--data', 'mnist', '--mean', '0.5']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--std: must be given too when the mean is/);
  assert.equal(bad.stderr.trim().split('\n').length <= 2, true, bad.stderr);
});

test('compress warns when the teacher scores near chance, naming the normalisation it was fed with', async () => {
  const events: CompressEvent[] = [];
  const report = await compress({ data: DATA, valSize: 100, batchSize: 100, threads: 2, teacher: await vggTeacherFile(), out: newRun(), ratios: [0.5], epochsPerStep: 0, onEvent: (e) => events.push(e) });
  assert.ok(report.teacher.valAccuracy < 0.2, `an untrained teacher: ${report.teacher.valAccuracy}`);
  const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /near chance for 10 classes: is it fed as it was trained\? Its inputs are normalised with the statistics of the dataset's training images \(mean 0\.5, std [0-9.]+\); give the ones it was trained with as --mean and --std/);
});
