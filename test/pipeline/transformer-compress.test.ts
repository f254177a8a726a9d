// Issue 34's two halves in one compress run: the zoo's vit-tiny (untrained, on 12x12 images) cut in two steps to
// 0.5 x 0.5 of its MACs with --attention dims, --criterion activation (calibration batches of training data) and
// --round-to 2: each step lands within 1% with head dims, MLP and embedding widths rounded, report.json names the
// kinds, and the student runs in onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { compress } from '../../src/pipeline/compress.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { analyzeGroups } from '../../src/prune/index.js';
import { newRun, smallIdxData, zooTeacherFile } from './fixtures.js';

test('compress vit-tiny by head dims with criterion activation and roundTo 2: 0.5 x 0.5 of its MACs, kinds in report.json', async () => {
  const out = newRun();
  const report = await compress({
    teacher: await zooTeacherFile('vit-tiny', 10, 12), data: smallIdxData(), out, ratios: [0.5, 0.5], metric: 'macs',
    attention: 'dims', criterion: 'activation', calibrationBatches: 2, roundTo: 2,
    epochsPerStep: 1, augment: 'off', valSize: 50, batchSize: 50, threads: 1, precision: 'fp32',
  });
  for (const s of report.steps) {
    assert.ok(Math.abs(s.achievedRatio - 0.5) <= 0.005, `step ${s.step}: ${s.achievedRatio}`);
    assert.deepEqual(new Set(s.groups.map((g) => g.kind)), new Set(['embedding', 'head-dims', 'mlp']));
    for (const g of s.groups) assert.ok(g.kept % 2 === 0 || g.kept === g.total, `step ${s.step} ${g.kind} ${g.kept} / ${g.total}`);
  }
  assert.ok(Math.abs(report.final.macsRatio - 0.25) <= 0.0075, `final MACs ratio ${report.final.macsRatio}`);

  const student = loadOnnx(join(out, 'student.onnx'));
  try {
    const dims = analyzeGroups(student, { attention: 'dims' }).groups.filter((g) => g.kind === 'head-dims');
    assert.equal(dims.length, 4, 'every layer keeps its attention, recognised again in the student');
    assert.ok(dims.every((g) => g.unitSize === 4), 'the 4 heads stay');
  } finally {
    student.dispose();
  }
  const session = await ort.InferenceSession.create(join(out, 'student.onnx'));
  try {
    const r = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(2 * 144).fill(0.5), [2, 1, 12, 12]) });
    assert.deepEqual([...r[session.outputNames[0]!]!.dims], [2, 10]);
  } finally {
    await session.release();
  }
});
