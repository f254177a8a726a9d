// compress --quantize int8 on a tensor set (npy: x.npy and y.npy, float32 rows [N, 16, 6]) with a one-input Conv1d +
// GRU classifier (test/fixtures/seq-npy/teacher.onnx): the calibration batches are the set's rows, fed as training
// feeds them, and student.int8.onnx runs in onnxruntime-node close to the float student on the test rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { compress } from '../../src/pipeline/compress.js';
import { quantize } from '../../src/api/index.js';
import type { CompressReport } from '../../src/pipeline/report.js';
import { parseNpy } from '../../src/data/npy.js';
import { npyBytes } from '../data/fixtures.js';
import { packageRoot } from '../helpers/fixtures.js';
import { newRun } from './fixtures.js';

const fixture = join(packageRoot(), 'test', 'fixtures', 'seq-npy');
const read = (name: string): ReturnType<typeof parseNpy> => parseNpy(readFileSync(join(fixture, name)), name);

/** The fixture's sequences as a tensor set split in train/ and test/ (x.npy float32, y.npy int64 class ids). */
function tensorSet(): string {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-qat-npy-'));
  for (const split of ['train', 'test']) {
    const x = read(`x_${split}.npy`);
    const y = read(`y_${split}.npy`);
    mkdirSync(join(dir, split));
    writeFileSync(join(dir, split, 'x.npy'), npyBytes('<f4', x.shape, x.data));
    writeFileSync(join(dir, split, 'y.npy'), npyBytes('<i8', [y.shape[0]!], BigInt64Array.from(y.data, (v) => BigInt(v))));
  }
  return dir;
}

async function logitsIn(file: string, x: ReturnType<typeof parseNpy>): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(file);
  try {
    const r = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
    const out = r[s.outputNames[0]!]!;
    assert.deepEqual([...out.dims], [x.shape[0], 4]);
    return out.data as Float32Array;
  } finally {
    await s.release();
  }
}

const argmax = (logits: Float32Array, row: number): number => {
  const r = Array.from(logits.subarray(row * 4, row * 4 + 4));
  return r.indexOf(Math.max(...r));
};

test('compress --quantize int8 on an npy: tensor set calibrates on its rows and writes an int8 student that onnxruntime runs', async () => {
  const out = newRun();
  const r: CompressReport = await compress({
    teacher: join(fixture, 'teacher.onnx'), data: `npy:${tensorSet()}`, out, ratios: [0.5], epochsPerStep: 2, augment: 'off',
    valSize: 40, batchSize: 32, threads: 1, precision: 'fp32', quantize: 'int8',
  });
  const file = join(out, 'student.int8.onnx');
  assert.ok(existsSync(file));
  const q = r.int8!;
  assert.ok(q, 'report.json has an int8 row');
  assert.equal(q.bytes, readFileSync(file).length);
  assert.deepEqual(q.epochs.map((e) => e.epoch), [2], "the step's last epoch is quantization-aware");
  assert.ok(q.fused >= 2 && q.floatLayers === 0, `the Conv and the Gemm run as int8 kernels (${q.fused} fused, ${q.floatLayers} float)`);
  assert.equal(q.floatTestAccuracy, r.final.testAccuracy, 'the float student scores the same in onnxruntime as on the engine');

  // the int8 model on the test rows, by hand: its accuracy is the report's, and it follows the float student
  const x = read('x_test.npy');
  const y = read('y_test.npy').data;
  const int8 = await logitsIn(file, x);
  const float = await logitsIn(join(out, 'student.onnx'), x);
  const n = x.shape[0]!;
  let right = 0;
  let same = 0;
  let err = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    if (argmax(int8, i) === Number(y[i])) right++;
    if (argmax(int8, i) === argmax(float, i)) same++;
  }
  for (let i = 0; i < float.length; i++) (err = Math.max(err, Math.abs(int8[i]! - float[i]!))), (scale = Math.max(scale, Math.abs(float[i]!)));
  assert.equal(q.testAccuracy, right / n);
  assert.ok(r.final.testAccuracy > 0.5, `the student is far above chance (0.25): ${r.final.testAccuracy}`);
  assert.ok(same / n >= 0.9, `int8 and float agree on ${same} of ${n} test rows`);
  // ranges calibrated on other data than the rows (or none) put the int8 logits far from the float ones
  assert.ok(err <= 0.1 * scale, `int8 logits within 10% of the float logits' scale: ${err} against ${scale}`);
});

test('whittle quantize calibrates on a tensor set too: its SQNR, accuracy and latency feed the rows to onnxruntime', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-quantize-npy-'));
  const report = await quantize(join(fixture, 'teacher.onnx'), `npy:${tensorSet()}`, join(dir, 'int8.onnx'), { calibrationBatches: 2, threads: 1 });
  assert.deepEqual(report.layers.map((l) => l.node), ['/conv/Conv', '/fc/Gemm']);
  for (const l of report.layers) assert.ok(l.sqnrDb > 20, `${l.node}: ${l.sqnrDb} dB`);
  assert.equal(report.calibration.images, 128, 'two batches of 64 training rows');
  assert.ok(report.latencyMs && report.batch64Ms, 'timed on the rows');
  const x = read('x_test.npy');
  const int8 = await logitsIn(join(dir, 'int8.onnx'), x);
  const float = await logitsIn(join(fixture, 'teacher.onnx'), x);
  let same = 0;
  for (let i = 0; i < x.shape[0]!; i++) if (argmax(int8, i) === argmax(float, i)) same++;
  assert.equal(report.fidelity, same / x.shape[0]!);
  assert.ok(report.fidelity >= 0.9, `int8 follows the float teacher: ${report.fidelity}`);
});
