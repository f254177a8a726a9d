// --quantize int8 on runs that are not one labelled classifier: the quantization-aware epochs distil each output by
// its task's loss and pick the epoch by the run's score; the int8 row reports fidelity and task metrics per output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compress } from '../../src/pipeline/compress.js';
import { decodeModel } from '../../src/onnx/index.js';
import { newRun, segFolder, smallIdxData, truncatedVgg, vggTeacherFile, zooTeacherFile } from './fixtures.js';

const quick = { valSize: 100, batchSize: 50, ratios: [0.5], epochsPerStep: 2, threads: 2, precision: 'fp32', quantize: 'int8' } as const;

/** The int8 row's common checks: the file, every layer fused, a QAT epoch numbered after the float one. */
function checkInt8(out: string, r: Awaited<ReturnType<typeof compress>>): NonNullable<typeof r.int8> {
  const q = r.int8!;
  assert.ok(existsSync(join(out, 'student.int8.onnx')));
  assert.equal(q.floatLayers, 0, 'every Conv and Gemm fused');
  assert.ok(q.fused > 0);
  assert.deepEqual(q.epochs.map((e) => e.epoch), [2]);
  return q;
}

test('an embedding model: QAT by cosine from the images alone, the int8 file scored by cosine to the teacher and k-NN accuracy', async () => {
  const out = newRun();
  // AdamW: an untrained teacher's vectors vary little, and the loss normalised by their variance is steep for SGD
  const r = await compress({ ...quick, data: smallIdxData(), teacher: await truncatedVgg('flatten_9'), out, metric: 'params', optimizer: 'adamw' });
  const q = checkInt8(out, r);
  const f = q.fidelity!['flatten_9']!;
  assert.deepEqual(Object.keys(f).sort(), ['cosine', 'neighbourAgreement']);
  assert.equal(q.testAccuracy, f['cosine'], "the int8 row's test figure is the run's score: cosine to the teacher");
  assert.ok(f['cosine']! > 0 && f['cosine']! <= 1 + 1e-6, JSON.stringify(q));
  assert.ok(Math.abs(q.testAccuracy - q.floatTestAccuracy) < 0.05, `int8 ${q.testAccuracy} vs float ${q.floatTestAccuracy}`);
  assert.deepEqual(Object.keys(q.metrics!['flatten_9']!), ['knnAccuracy']);
  assert.deepEqual(decodeModel(readFileSync(join(out, 'student.int8.onnx')), 'int8').graph!.output.map((o) => o.name), ['flatten_9']);
});

test('a segmentation net with masks: QAT by per-pixel KL and cross-entropy, the int8 file scored by mIoU against the masks', async () => {
  const out = newRun();
  const r = await compress({ ...quick, valSize: 4, batchSize: 8, data: await segFolder(), teacher: await zooTeacherFile('unet-small', 3, 12), out, optimizer: 'adamw' });
  assert.deepEqual(r.tasks!.map((t) => [t.task, t.labelled]), [['segment', true]]);
  const q = checkInt8(out, r);
  assert.equal(q.testAccuracy, q.metrics!['output']!['mIoU'], 'labelled: the score is mIoU against the masks');
  assert.deepEqual(Object.keys(q.fidelity!['output']!).sort(), ['mIoU', 'pixelAgreement']);
});

test('a classifier with --labels ignore: QAT by distillation alone, epochs and the int8 row scored by agreement with the teacher', async () => {
  const out = newRun();
  const r = await compress({ ...quick, data: smallIdxData(), teacher: await vggTeacherFile(), out, labels: 'ignore' });
  const q = checkInt8(out, r);
  assert.equal(q.testAccuracy, q.fidelity!['output']!['agreement']);
  assert.ok(q.metrics!['output']!['accuracy']! >= 0, 'the ignored labels still score it');
});
