import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { distributedBackends, noGrad, tensor, tidy } from '../../src/tensor/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { runGraph } from '../../src/exec/index.js';
import { buildDependencyGraph } from '../../src/prune/index.js';
import { compress } from '../../src/pipeline/compress.js';
import { runtimeMeter } from '../../src/pipeline/latency.js';
import { repoRoot, runCli } from '../cli/run-cli.js';
import { npyBytes } from '../data/fixtures.js';
import { newRun } from './fixtures.js';

// scripts/gen-multi-input-fixtures.py: input_ids int64 [N, 12], attention_mask int64 [N, 12] -> logits [N, 3]
const MODEL = join(repoRoot, 'test', 'fixtures', 'multi-input', 'text-masked.onnx');
const N = 300;
const L = 12;
const ids = BigInt64Array.from({ length: N * L }, (_, i) => BigInt((i * 7919 + (i >> 3)) % 50));
// each row keeps its first 4 to 12 tokens
const mask = BigInt64Array.from({ length: N * L }, (_, i) => (i % L < 4 + (Math.floor(i / L) % 9) ? 1n : 0n));
const labels = BigInt64Array.from({ length: N }, (_, i) => BigInt(i % 3));

type Files = Record<string, { descr: string; shape: number[]; data: ArrayBufferView }>;

/** An npy: folder of one NAME.npy per entry. */
function npyDir(files: Files): string {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-npy-'));
  for (const [name, f] of Object.entries(files)) writeFileSync(join(dir, `${name}.npy`), npyBytes(f.descr, f.shape, f.data));
  return `npy:${dir}`;
}

const inputs: Files = { input_ids: { descr: '<i8', shape: [N, L], data: ids }, attention_mask: { descr: '<i8', shape: [N, L], data: mask } };
const y: Files = { y: { descr: '<i8', shape: [N], data: labels } };
const quick = { valSize: 50, batchSize: 50, epochsPerStep: 1, threads: 2, precision: 'fp32', ratios: [0.5] } as const;

test('the two-input fixture computes what onnxruntime computes, padded tokens masked out', async () => {
  const g = loadOnnx(MODEL);
  const rows = 4;
  const session = await ort.InferenceSession.create(MODEL);
  try {
    const feeds = { input_ids: ids.subarray(0, rows * L), attention_mask: mask.subarray(0, rows * L) };
    const want = (await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('int64', v, [rows, L])]))))['logits']!.data as Float32Array;
    const got = noGrad(() => tidy(() => runGraph(g, Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, tensor(v, [rows, L], 'int64')])))['logits']!.toArray()));
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-5, `${i}: ${v} vs ${want[i]}`));
  } finally {
    await session.release();
    g.dispose();
  }
});

test("attention whose mask is folded with the batch per head (nn.MultiheadAttention's [N·H, L, L]) is left whole; the embedding and MLPs still prune", () => {
  const g = loadOnnx(MODEL);
  try {
    const dg = buildDependencyGraph(g);
    assert.deepEqual([...new Set(dg.groups.map((x) => x.kind))].sort(), ['embedding', 'mlp']);
    assert.equal(dg.attentionCount, 0);
  } finally {
    g.dispose();
  }
});

test('compress distils a two-input model (token ids and attention mask) from NAME.npy files, without labels and with y.npy; eval and train-teacher take it', async () => {
  const out = newRun();
  const r = await compress({ ...quick, teacher: MODEL, data: npyDir(inputs), out });
  assert.deepEqual(r.tasks, [{ output: 'logits', task: 'classify', loss: 'kl', labelled: false, shape: ['N', '3'] }]);
  assert.match(r.score!, /^agreement \(output 'logits', against the teacher\)$/);
  const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as typeof r;
  const f = json.final.fidelity!['logits']!['agreement']!;
  assert.ok(f >= 0 && f <= 1 && f === json.final.testAccuracy, String(f));
  assert.equal(json.teacher.testAccuracy, 1);
  assert.deepEqual([...new Set(json.steps[0]!.groups.map((x) => x.kind))].sort(), ['embedding', 'mlp']);
  assert.ok(json.final.paramsRatio < 0.75, String(json.final.paramsRatio));
  assert.ok(json.footprint!.student.latencyMs! > 0, 'timed in onnxruntime with both inputs');
  const student = loadOnnx(join(out, 'student.onnx'));
  assert.deepEqual(student.inputs.map((i) => [i.name, i.dtype]), [['input_ids', 'int64'], ['attention_mask', 'int64']]);
  assert.equal(student.metadata['whittle.preprocess'], undefined, 'tensors are fed as stored');
  student.dispose();

  const labelled = npyDir({ ...inputs, ...y });
  const lr = await compress({ ...quick, teacher: MODEL, data: labelled, out: newRun() });
  assert.deepEqual(lr.tasks, [{ output: 'logits', task: 'classify', loss: 'kl', labelled: true, labelLoss: 'ce', shape: ['N', '3'] }]);
  const acc = lr.final.metrics!['logits']!['accuracy']!;
  assert.ok(acc >= 0 && acc <= 1 && acc === lr.final.testAccuracy, String(acc));
  assert.ok(lr.final.fidelity!['logits']!['agreement']! >= 0);

  // eval measures the student against its teacher on both inputs
  const e = runCli(['eval', join(out, 'student.onnx'), '--teacher', MODEL, '--data', labelled, '--val-size', '50', '--no-latency', '--precision', 'fp32', '--json']);
  assert.equal(e.status, 0, e.stderr);
  const ej = e.lastJson() as { fidelity: Record<string, Record<string, number>>; metrics: Record<string, Record<string, number>>; count: number };
  assert.deepEqual(Object.keys(ej.fidelity['logits']!), ['agreement']);
  assert.ok(ej.metrics['logits']!['accuracy']! >= 0);
  assert.equal(ej.count, 60);

  // and train-teacher trains it on the labels
  const trained = join(mkdtempSync(join(tmpdir(), 'whittle-tt-')), 'teacher.onnx');
  const t = runCli(['train-teacher', '--model', MODEL, '--data', labelled, '--val-size', '50', '--batch-size', '50', '--epochs', '1', '--threads', '2', '--precision', 'fp32', '-o', trained]);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /val accuracy [\d.]+% \(epoch 1\), test accuracy [\d.]+%\n$/);
  assert.ok(existsSync(trained));
});

test('--metric latency times a two-input model with a row of each input', async () => {
  const g = loadOnnx(MODEL);
  try {
    const fed = { shape: [0, 0, 0], inputs: ['input_ids', 'attention_mask'].map((name) => ({ name, dtype: 'int64' as const, shape: [L], image: false })) };
    const [ms] = await runtimeMeter('onnxruntime-node', { batch: 1, threads: 1, fed, maxSeconds: 0.2 }).time([g]);
    assert.ok(ms! > 0, String(ms));
  } finally {
    g.dispose();
  }
});

test('compress --nproc 2 shards both inputs alike: the training loss and figures of one process', { skip: distributedBackends().includes('gloo') ? false : 'the addon was built without c10d/Gloo' }, async () => {
  const data = npyDir({ ...inputs, ...y });
  const one = await compress({ ...quick, teacher: MODEL, data, out: newRun() });
  const out = newRun();
  const r = runCli(['compress', '--teacher', MODEL, '--data', data, '--target', '0.5', '--steps', '1', '--epochs-per-step', '1', '--val-size', '50', '--batch-size', '50', '--threads', '1', '--precision', 'fp32', '--nproc', '2', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  const two = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as typeof one;
  const [a, b] = [one.steps[0]!.epochs[0]!.trainLoss, two.steps[0]!.epochs[0]!.trainLoss];
  assert.ok(Math.abs(a - b) < 1e-4 * Math.abs(a), `${a} vs ${b}`);
  assert.deepEqual(two.final.fidelity, one.final.fidelity);
  assert.equal(two.final.testAccuracy, one.final.testAccuracy);
});

test('a two-input model refuses a missing, extra or mismatched input file, differing row counts and int8 quantization: one line, exit 2, nothing written', () => {
  const cases: [string, Files, RegExp][] = [
    ['missing', { input_ids: inputs['input_ids']! }, /--data: the model's input "attention_mask" has no file in npy:\S+ \(it has input_ids\)/],
    ['extra', { ...inputs, token_type_ids: inputs['input_ids']! }, /--data: npy:\S+ has token_type_ids\.npy, which no input of the teacher takes \(its inputs: input_ids, attention_mask\)/],
    ['dtype', { ...inputs, attention_mask: { descr: '<f4', shape: [N, L], data: Float32Array.from(mask, Number) } }, /teacher: takes int64 input 'attention_mask' but npy:\S+'s 'attention_mask' holds float32/],
    ['shape', { ...inputs, attention_mask: { descr: '<i8', shape: [N, 6], data: mask.subarray(0, N * 6) } }, /teacher: takes input 'attention_mask' \[N, 12\] but npy:\S+'s attention_mask\.npy rows are \[6\]/],
    ['rows', { ...inputs, attention_mask: { descr: '<i8', shape: [N - 1, L], data: mask.subarray(0, (N - 1) * L) } }, /input_ids\.npy: has 300 rows but attention_mask\.npy has 299/],
  ];
  for (const [what, files, message] of cases) {
    const out = newRun();
    const r = runCli(['compress', '--teacher', MODEL, '--data', npyDir(files), '--target', '0.5', '--epochs-per-step', '1', '--threads', '1', '-o', out]);
    assert.equal(r.status, 2, `${what}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0]!, message, what);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack`);
    assert.equal(existsSync(out), false, `${what}: nothing written`);
  }
  const e = runCli(['eval', MODEL, '--data', npyDir({ input_ids: inputs['input_ids']!, ...y }), '--no-latency']);
  assert.equal(e.status, 2);
  assert.match(e.stderr, /the model's input "attention_mask" has no file/);
});

test('int8 with two inputs: whittle quantize calibrates and scores on both files, compress --quantize int8 trains its QAT epoch on them', async () => {
  const data = npyDir({ ...inputs, ...y });
  const file = join(mkdtempSync(join(tmpdir(), 'whittle-mi-q-')), 'int8.onnx');
  const q = runCli(['quantize', MODEL, '-o', file, '--data', data, '--calibration-batches', '2', '--no-latency', '--json']);
  assert.equal(q.status, 0, q.stderr);
  const j = q.lastJson() as Record<string, any>;
  assert.ok(j['fused'] > 0 && j['fused'] === j['quantized'], JSON.stringify(j['fusedOps']));
  assert.ok(j['fidelity'] > 0.8, `top-1 agreement with the float model ${j['fidelity']}`);
  const out = newRun();
  const r = await compress({ ...quick, teacher: MODEL, data, out, epochsPerStep: 2, quantize: 'int8' });
  assert.ok(existsSync(join(out, 'student.int8.onnx')));
  assert.equal(r.int8!.fused, r.int8!.quantized);
  assert.deepEqual(r.int8!.epochs.map((e) => e.epoch), [2]);
  assert.ok(Math.abs(r.int8!.testAccuracy - r.int8!.floatTestAccuracy) <= 0.05, `int8 ${r.int8!.testAccuracy} vs float ${r.int8!.floatTestAccuracy}`);
});
