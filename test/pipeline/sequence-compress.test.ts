// Issue 34 end to end: a Conv1d + bidirectional GRU classifier (test/fixtures/seq-npy/teacher.onnx, trained by
// scripts/gen-seq-prune-models.py on the synthetic sequences beside it) compressed by compress() on an `npy:`
// sequence dataset ([N, 16, 6] float32, fed to the model's [N, T, F] input as is): both steps cut the conv channels
// and the GRU's hidden units to their MACs ratio, ranked by mean |activation|, and the student runs in onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { compress } from '../../src/pipeline/compress.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { analyzeGroups } from '../../src/prune/index.js';
import { parseNpy } from '../../src/data/npy.js';
import { packageRoot } from '../helpers/fixtures.js';
import { newRun } from './fixtures.js';
import { runCli } from '../cli/run-cli.js';

const dir = join(packageRoot(), 'test', 'fixtures', 'seq-npy');

test('compress on an npy: sequence dataset cuts a GRU classifier to 0.5 x 0.5 of its MACs, and the student classifies', async () => {
  const out = newRun();
  const report = await compress({
    teacher: join(dir, 'teacher.onnx'), data: `npy:${dir}`, out, ratios: [0.5, 0.5], metric: 'macs', criterion: 'activation', calibrationBatches: 2,
    epochsPerStep: 3, augment: 'off', valSize: 40, batchSize: 32, threads: 1, precision: 'fp32', mean: [0], std: [1],
  });
  assert.ok(report.teacher.testAccuracy >= 0.85, `the teacher was trained: ${report.teacher.testAccuracy}`);
  for (const s of report.steps) {
    assert.ok(Math.abs(s.achievedRatio - 0.5) <= 0.005, `step ${s.step}: ${s.achievedRatio}`);
    assert.deepEqual(s.groups.map((g) => g.kind), ['channels', 'hidden'], 'report.json names each group\'s kind');
  }
  assert.ok(Math.abs(report.final.macsRatio - 0.25) <= 0.0075, `final MACs ratio ${report.final.macsRatio}`);
  assert.ok(report.final.testAccuracy >= 0.5, `the student is far above chance (0.25): ${report.final.testAccuracy}`);

  const student = loadOnnx(join(out, 'student.onnx'));
  try {
    const groups = analyzeGroups(student).groups.map((g) => [g.kind, g.units.length + g.frozen] as const);
    const hidden = groups.find(([k]) => k === 'hidden');
    assert.ok(hidden && hidden[1] < 24, `the GRU lost hidden units: ${JSON.stringify(groups)}`);
    assert.ok(groups.some(([k, w]) => k === 'channels' && w < 16), `the conv lost channels: ${JSON.stringify(groups)}`);
  } finally {
    student.dispose();
  }
  const x = parseNpy(readFileSync(join(dir, 'x_test.npy')), 'x_test.npy');
  const session = await ort.InferenceSession.create(join(out, 'student.onnx'));
  try {
    const r = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
    assert.deepEqual([...r[session.outputNames[0]!]!.dims], [x.shape[0], 4]);
  } finally {
    await session.release();
  }
});

test('prune --criterion activation --data npy:... ranks by mean |activation| and reports each group kind; without --data: one line, exit 2', () => {
  const out = join(dirname(newRun()), 'half.onnx');
  const teacher = join(dir, 'teacher.onnx');
  const r = runCli(['prune', teacher, '-o', out, '--ratio', '0.5', '--metric', 'macs', '--criterion', 'activation', '--data', `npy:${dir}`, '--calibration-batches', '2', '--mean', '0', '--std', '1', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = r.lastJson() as { criterion: string; achievedRatio: number; groups: { name: string; kind: string; kept: number; total: number }[] };
  assert.equal(j.criterion, 'activation');
  assert.ok(Math.abs(j.achievedRatio - 0.5) <= 0.005, `achieved ${j.achievedRatio}`);
  assert.deepEqual(j.groups.map((g) => [g.name, g.kind, g.total]), [['/conv/Conv', 'channels', 16], ['/rnn/GRU', 'hidden', 24]]);
  assert.ok(existsSync(out));
  for (const cmd of [['prune', teacher, '-o', join(dirname(out), 'never.onnx'), '--ratio', '0.5'], ['compress', '--teacher', teacher, '--ratios', '0.5', '-o', join(dirname(out), 'never')]]) {
    const bad = runCli([...cmd, '--criterion', 'activation']);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /^whittle: error\[E_CONFIG\]: --(criterion: activation needs data|data: is required)/);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  }
  assert.ok(!existsSync(join(dirname(out), 'never.onnx')) && !existsSync(join(dirname(out), 'never')));
});
