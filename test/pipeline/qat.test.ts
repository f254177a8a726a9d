// compress --quantize int8: the last step's final epochs, quantization-aware, write a fused int8 student beside the
// float one, close to it in accuracy, in as many epochs as a run without it; a run stopped inside the
// quantization-aware epochs resumes to the same report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compress, type CompressEvent } from '../../src/pipeline/compress.js';
import type { CompressReport } from '../../src/pipeline/report.js';
import { AbortedError } from '../../src/distill/index.js';
import { trainTeacher } from '../../src/api/index.js';
import { loadOnnx, saveOnnx } from '../../src/onnx/index.js';
import { idxBytes } from '../data/fixtures.js';
import { runCli } from '../cli/run-cli.js';
import { newRun } from './fixtures.js';

/** 12x12 grey images whose class is the row of a bright stripe, over seeded noise: learnable in a few epochs. */
function stripedIdxData(train: number, testCount: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-qat-data-'));
  let s = 12345;
  const rand = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
  const write = (n: number, images: string, labels: string): void => {
    const x = new Uint8Array(n * 144);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = Math.floor(rand() * 10);
      for (let p = 0; p < 144; p++) x[i * 144 + p] = Math.floor(rand() * 120) + (Math.floor(p / 12) === y[i]! + 1 ? 100 : 0);
    }
    writeFileSync(join(dir, images), idxBytes([n, 12, 12], x));
    writeFileSync(join(dir, labels), idxBytes([n], y));
  };
  write(train, 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte');
  write(testCount, 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte');
  return `idx:${dir}`;
}

const DATA = stripedIdxData(600, 200);
let teacherPath: string | undefined;

/** A vgg-small trained for 3 epochs on the striped images. */
async function teacher(): Promise<string> {
  if (teacherPath) return teacherPath;
  const g = await trainTeacher({ arch: 'vgg-small', data: DATA, epochs: 3, valSize: 100, batchSize: 50, threads: 1, precision: 'fp32', seed: 0 });
  teacherPath = join(mkdtempSync(join(tmpdir(), 'whittle-qat-')), 'teacher.onnx');
  await saveOnnx(g, teacherPath);
  g.dispose();
  return teacherPath;
}

const settings = { data: DATA, valSize: 100, batchSize: 50, ratios: [0.5], epochsPerStep: 2, threads: 1, precision: 'fp32', quantize: 'int8' } as const;

/** Everything in report.json but what timing decides. */
function metrics(r: CompressReport): unknown {
  const { footprint, ...rest } = r;
  return {
    ...rest, config: undefined, versions: undefined, steps: r.steps.map(({ seconds: _s, imagesPerSec: _i, ...s }) => s),
    sizes: footprint && { teacher: footprint.teacher.bytes, student: footprint.student.bytes, int8: footprint.int8?.bytes },
  };
}

test('--quantize int8 writes student.int8.onnx, fused by onnxruntime, close to the float student in accuracy and over 3x smaller', async () => {
  const out = newRun();
  const events: CompressEvent[] = [];
  const r = await compress({ ...settings, teacher: await teacher(), out, onEvent: (e) => events.push(e) });
  assert.ok(existsSync(join(out, 'student.int8.onnx')));
  const q = r.int8!;
  assert.ok(q, 'the report has an int8 row');
  assert.equal(q.bytes, readFileSync(join(out, 'student.int8.onnx')).length);
  assert.ok(r.footprint!.int8, 'the int8 student is timed with the others');
  assert.equal(r.footprint!.int8!.bytes, q.bytes);
  assert.ok(r.footprint!.student.bytes / q.bytes > 3, `${r.footprint!.student.bytes} -> ${q.bytes} bytes`);
  assert.equal(q.floatLayers, 0, 'no Conv or Gemm left in float');
  assert.ok(q.fused >= 7, `5 convs and 2 Gemms fused into int8 kernels (${q.fused} int8 kernels)`);
  assert.deepEqual(q.epochs.map((e) => e.epoch), [2], "one quantization-aware epoch by default: the step's second and last");
  assert.deepEqual(r.steps[0]!.epochs.map((e) => e.epoch), [1], 'the step trains its first epoch in float');
  assert.deepEqual(events.flatMap((e) => (e.type === 'epoch-end' ? [`${e.epoch}/${e.epochs}`] : [])), ['1/2', '2/2']);
  const student = loadOnnx(join(out, 'student.onnx'));
  assert.equal(r.final.params, student.parameterCount(), 'final describes student.onnx, the quantization-aware weights in float');
  student.dispose();
  assert.ok(r.final.testAccuracy > 0.5, `the float student learned the stripes (${r.final.testAccuracy})`);
  assert.equal(q.floatTestAccuracy, r.final.testAccuracy, 'the float student scores the same in onnxruntime as on the engine');
  assert.ok(Math.abs(q.testAccuracy - q.floatTestAccuracy) <= 0.03, `int8 ${q.testAccuracy} against float ${q.floatTestAccuracy} on 200 test images`);
  assert.deepEqual(events.filter((e) => e.type.startsWith('qat')).map((e) => e.type), ['qat-start', 'qat-end']);
  assert.deepEqual(readdirSync(out).filter((f) => f.startsWith('checkpoint')), []);
});

test('a run stopped inside the quantization-aware epochs resumes to the report of an uninterrupted run', async () => {
  // both of the step's epochs quantization-aware
  const o = { ...settings, teacher: await teacher(), qatEpochs: 2 };
  const reference = await compress({ ...o, out: newRun() });
  const out = newRun();
  const stop = new AbortController();
  let qat = false;
  let batches = 0;
  const onEvent = (e: CompressEvent): void => {
    if (e.type === 'qat-start') qat = true;
    // the second quantization-aware epoch's fifth batch (10 batches an epoch): it stops before the sixth
    if (qat && e.type === 'batch' && ++batches === 15) stop.abort();
  };
  await assert.rejects(compress({ ...o, out, onEvent, signal: stop.signal }), (e: unknown) => {
    assert.ok(e instanceof AbortedError);
    assert.match(e.message, /quantization-aware epochs, epoch 2, batch 6/);
    return true;
  });
  const checkpoint = JSON.parse(readFileSync(join(out, 'checkpoint.json'), 'utf8')) as { qat?: { current: { epochs: unknown[] } | null } };
  assert.equal(checkpoint.qat?.current?.epochs.length, 1, 'the checkpoint holds the first quantization-aware epoch');
  const events: string[] = [];
  const resumed = await compress({ resume: out, onEvent: (e) => events.push(e.type) });
  assert.ok(events.includes('resumed'));
  assert.deepEqual(metrics(resumed), metrics(reference));
  assert.ok(readFileSync(join(out, 'student.int8.onnx')).length === reference.int8!.bytes);
});

test('--quantize and --qat-epochs refuse what they cannot do: one line, exit 2, no run folder', async () => {
  const cases = [
    [['--quantize', 'fp16'], /quantize/],
    [['--qat-epochs', '0'], /qat-epochs/],
    [['--epochs-per-step', '1', '--qat-epochs', '2'], /--qat-epochs: 2 is more than the last step's 1 epochs: the quantization-aware epochs are its final ones/],
  ] as const;
  for (const [flags, says] of cases) {
    const out = newRun();
    const r = runCli(['compress', '--teacher', await teacher(), '--data', DATA, '--ratios', '0.5', '--quantize', 'int8', ...flags, '-o', out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, says);
    assert.equal(r.stderr.trim().split('\n').length <= 2, true, r.stderr);
    assert.ok(!existsSync(out));
  }
});
