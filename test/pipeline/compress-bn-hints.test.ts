// compress with BatchNorm re-insertion and feature distillation: BNs are trained and folded back before every
// save (the saved students have none and run in onnxruntime), hints are recorded, the CLI flags reach the options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { manualSeed } from '../../src/tensor/index.js';
import { foldBatchNorm } from '../../src/graph/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { loadOnnx, saveOnnx } from '../../src/onnx/index.js';
import { compress, type CompressEvent, type CompressOptions } from '../../src/pipeline/compress.js';
import type { CompressReport } from '../../src/pipeline/report.js';
import { AbortedError } from '../../src/distill/index.js';
import { runCli } from '../cli/run-cli.js';
import { writeIdxSet } from '../data/fixtures.js';
import { randomizeNorms } from '../prune/helpers.js';

const dataDir = mkdtempSync(join(tmpdir(), 'whittle-bn-hints-data-'));
writeIdxSet(dataDir, { train: 400, test: 100, h: 12, w: 12, classes: 10 });
const quick = { data: `idx:${dataDir}`, valSize: 100, batchSize: 100, epochsPerStep: 1, threads: 2 } as const;
const runDir = (): string => join(mkdtempSync(join(tmpdir(), 'whittle-run-')), 'run');

/** A resnet-small teacher saved as exporters write it: every BatchNorm folded into its conv. */
async function foldedTeacher(): Promise<string> {
  manualSeed(0);
  const g = buildZooGraph('resnet-small', { input: [1, 12, 12], classes: 10 });
  randomizeNorms(g);
  foldBatchNorm(g, g.nodes.filter((n) => n.opType === 'BatchNormalization').map((n) => n.name));
  const path = join(mkdtempSync(join(tmpdir(), 'whittle-teacher-')), 'teacher.onnx');
  await saveOnnx(g, path);
  g.dispose();
  return path;
}

async function runsInOrt(path: string): Promise<void> {
  const s = await ort.InferenceSession.create(path);
  try {
    const r = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(2 * 144), [2, 1, 12, 12]) });
    assert.deepEqual([...r[s.outputNames[0]!]!.dims], [2, 10]);
  } finally {
    await s.release();
  }
}

test('--reinsert-bn auto on a folded teacher trains with BatchNorm and saves folded students', async () => {
  const out = runDir();
  const report = await compress({ ...quick, teacher: await foldedTeacher(), out, ratios: [0.5, 0.5] });
  const convs = loadOnnx(join(out, 'student.onnx'));
  const n = convs.nodes.filter((x) => x.opType === 'Conv').length;
  for (const s of report.steps) assert.equal(s.batchNormInserted, n, `step ${s.step}: a BN for every conv`);
  for (const file of ['step-1/student.onnx', 'step-2/student.onnx', 'student.onnx']) {
    const g = loadOnnx(join(out, file));
    assert.equal(g.nodes.filter((x) => x.opType === 'BatchNormalization').length, 0, `${file} is folded`);
    g.dispose();
    await runsInOrt(join(out, file));
  }
  assert.equal(convs.parameterCount(), report.final.params, 'reported params are those of the saved, folded student');
  assert.ok(Math.abs(report.final.paramsRatio - 0.25) < 0.01, `params ratio ${report.final.paramsRatio}`);
  assert.equal(report.config['reinsertBn'], 'auto');
  convs.dispose();
  const off = await compress({ ...quick, teacher: await foldedTeacher(), out: runDir(), ratios: [0.5], reinsertBn: 'off' });
  assert.equal(off.steps[0]!.batchNormInserted, undefined, 'off inserts nothing');
});

test('--feature-distill auto adds hints per resolution, records them, and turns the teacher cache off', async () => {
  const out = runDir();
  const report = await compress({ ...quick, teacher: await foldedTeacher(), out, ratios: [0.5], featureDistill: 'auto', hintWeight: 0.5 });
  const hints = report.steps[0]!.hints!;
  assert.equal(hints.length, 3, 'resnet-small at 12x12: stages at 12x12, 6x6 and 3x3');
  assert.equal(report.config['featureDistill'], 'auto');
  assert.equal(report.config['hintWeight'], 0.5);
  assert.equal(report.config['teacherCache'], false);
  assert.ok(Number.isFinite(report.steps[0]!.epochs[0]!.trainLoss));
  await runsInOrt(join(out, 'student.onnx'));
});

test('the CLI passes --reinsert-bn, --hint-layers and --hint-weight, and rejects bad values', async () => {
  const teacher = await foldedTeacher();
  const g = loadOnnx(teacher);
  const relus = g.nodes.filter((n) => n.opType === 'Relu').map((n) => n.outputs[0]!);
  g.dispose();
  const out = runDir();
  const pair = `${relus[relus.length - 1]}:${relus[relus.length - 1]}`;
  const r = runCli(['compress', '--teacher', teacher, '--data', quick.data, '-o', out, '--ratios', '0.5', '--epochs-per-step', '1', '--val-size', '100', '--batch-size', '100', '--reinsert-bn', 'off', '--hint-layers', pair, '--hint-weight', '2']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { config: Record<string, unknown>; steps: { hints?: unknown; batchNormInserted?: number }[] };
  assert.deepEqual(report.steps[0]!.hints, [{ teacher: relus[relus.length - 1], student: relus[relus.length - 1] }]);
  assert.equal(report.steps[0]!.batchNormInserted, undefined);
  assert.deepEqual([report.config['reinsertBn'], report.config['featureDistill'], report.config['hintWeight']], ['off', 'named', 2]);
  const bad = runCli(['compress', '--teacher', teacher, '--data', quick.data, '-o', runDir(), '--ratios', '0.5', '--reinsert-bn', 'maybe']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--reinsert-bn/);
  const badPair = runCli(['compress', '--teacher', teacher, '--data', quick.data, '-o', runDir(), '--ratios', '0.5', '--hint-layers', 'x']);
  assert.notEqual(badPair.status, 0);
  assert.match(badPair.stderr, /teacherValue:studentValue/);
});

const strip = (r: CompressReport): unknown => r.steps.map(({ seconds: _s, imagesPerSec: _i, ...rest }) => rest);

/** Runs `opts` whole, then again stopped by its AbortSignal at batch `stopAt` and resumed; returns both and the folder. */
async function stopAndResume(opts: CompressOptions, stopAt: number): Promise<{ reference: unknown; resumed: unknown; out: string }> {
  const reference = strip(await compress({ ...opts, out: runDir() }));
  const out = runDir();
  const stop = new AbortController();
  let batches = 0;
  const onEvent = (e: CompressEvent): void => {
    if (e.type === 'batch' && ++batches === stopAt) stop.abort();
  };
  await assert.rejects(compress({ ...opts, out, onEvent, signal: stop.signal }), (e: unknown) => e instanceof AbortedError);
  return { reference, resumed: strip(await compress({ resume: out })), out };
}

test('a run with re-inserted BatchNorm stopped mid-step resumes from its checkpoint (BNs included) to the same metrics', async () => {
  const { reference, resumed, out } = await stopAndResume({ ...quick, teacher: await foldedTeacher(), ratios: [0.5, 0.5], epochsPerStep: 2 }, 7);
  assert.deepEqual(resumed, reference);
  const g = loadOnnx(join(out, 'student.onnx'));
  assert.equal(g.nodes.filter((x) => x.opType === 'BatchNormalization').length, 0, 'the resumed step folded its BNs too');
  g.dispose();
});

test('a run with feature distillation stopped mid-step resumes (hint adapters from the checkpoint) to the same metrics', async () => {
  // stopped in epoch 2 of 2 (3 batches an epoch)
  const { reference, resumed } = await stopAndResume({ ...quick, teacher: await foldedTeacher(), ratios: [0.5], epochsPerStep: 2, featureDistill: 'auto' }, 5);
  assert.deepEqual(resumed, reference);
});
