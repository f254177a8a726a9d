import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, tidy } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { loadOnnx, saveOnnx } from '../../src/onnx/index.js';
import { openDataset } from '../../src/data/index.js';
import { compress } from '../../src/pipeline/compress.js';
import { TeacherCache } from '../../src/pipeline/teacher-cache.js';
import { headsFor } from '../../src/pipeline/heads.js';
import { repoRoot, runCli } from '../cli/run-cli.js';
import { writeFileSync } from 'node:fs';
import { imageFile, npyBytes } from '../data/fixtures.js';
import { newRun, smallIdxData, truncatedVgg } from './fixtures.js';

const DATA = smallIdxData();
const quick = { data: DATA, valSize: 100, batchSize: 100, epochsPerStep: 1, threads: 2, precision: 'fp32' } as const;

/** An untrained vgg-small (seed 0) with `classes` outputs, saved as `name` in a fresh folder. */
async function vggFile(classes: number, name: string): Promise<string> {
  manualSeed(0);
  const g = buildZooGraph('vgg-small', { input: [1, 12, 12], classes });
  const path = join(mkdtempSync(join(tmpdir(), 'whittle-task-')), name);
  await saveOnnx(g, path);
  g.dispose();
  return path;
}

test('an embedding model (a classifier cut at its pooled features) compresses from distillation alone, with fidelity and k-NN accuracy in report.json', async () => {
  const out = newRun();
  const report = await compress({ ...quick, teacher: await truncatedVgg('flatten_9'), out, ratios: [0.5], metric: 'params' });
  const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as typeof report;
  assert.deepEqual(json.tasks, [{ output: 'flatten_9', task: 'embed', loss: 'cosine', labelled: false, scored: true, shape: ['N', '128'] }]);
  assert.match(json.score!, /^cosine \(output 'flatten_9', against the teacher\)$/);
  const f = json.steps[0]!.fidelity!['flatten_9']!;
  assert.deepEqual(Object.keys(f).sort(), ['cosine', 'neighbourAgreement']);
  assert.ok(f['cosine']! > 0 && f['cosine']! <= 1 && f['neighbourAgreement']! >= 0 && f['neighbourAgreement']! <= 1, JSON.stringify(f));
  assert.equal(json.steps[0]!.testAccuracy, f['cosine'], 'the test figure is the score: cosine to the teacher');
  assert.deepEqual(json.final.fidelity, json.steps[0]!.fidelity);
  // class labels score an embedding by k-NN accuracy (the teacher's and every step's), without picking its epochs
  for (const m of [json.teacher.metrics, json.steps[0]!.metrics]) {
    assert.deepEqual(Object.keys(m!['flatten_9']!), ['knnAccuracy']);
    assert.ok(m!['flatten_9']!['knnAccuracy']! >= 0 && m!['flatten_9']!['knnAccuracy']! <= 1, JSON.stringify(m));
  }
  assert.deepEqual(json.final.metrics, json.steps[0]!.metrics);
  assert.equal(json.teacher.testAccuracy, 1, "the teacher's cosine to itself");
  assert.ok(Math.abs(json.final.paramsRatio - 0.5) < 0.02);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /<th>flatten_9 fidelity<\/th>/);
  assert.match(html, /<td>step 1<\/td><td>cosine 0\.\d{4}, neighbourAgreement [01]\.\d{4}<\/td><td>knnAccuracy [01]\.\d{4}<\/td>/);
  assert.match(html, /best epochs by cosine \(output 'flatten_9', against the teacher\)/);
  const student = loadOnnx(join(out, 'student.onnx'));
  assert.deepEqual(student.outputs.map((o) => o.name), ['flatten_9']);
  student.dispose();
});

test('a regression output ([N, 1]) distils by normalised MSE with R² and relative MSE; a classifier with --task regress too', async () => {
  const teacher = await vggFile(1, 'score.onnx');
  const out = newRun();
  // AdamW: an untrained teacher's outputs vary little, and the loss normalised by their variance is steep for SGD
  const r = await compress({ ...quick, teacher, out, ratios: [0.5], optimizer: 'adamw' });
  assert.deepEqual(r.tasks!.map((t) => [t.task, t.loss, t.labelled]), [['regress', 'mse', false]]);
  assert.deepEqual(Object.keys(r.steps[0]!.fidelity!['output']!).sort(), ['r2', 'relativeMse']);
  assert.ok(r.steps[0]!.fidelity!['output']!['relativeMse']! >= 0);
  // a 10-class vgg as a regressor of its 10 outputs, the loss named per output
  const cls = await vggFile(10, 'cls.onnx');
  const r2 = await compress({ ...quick, teacher: cls, out: newRun(), ratios: [0.5], optimizer: 'adamw', task: ['regress'], loss: ['output=cosine'] });
  assert.deepEqual(r2.tasks!.map((t) => [t.task, t.loss, t.labelled]), [['regress', 'cosine', false]]);
  assert.ok(Number.isFinite(r2.steps[0]!.fidelity!['output']!['r2']));
});

test('a labelled classifier also gets its agreement with the teacher and its accuracy per step', async () => {
  const teacher = await vggFile(10, 'teacher.onnx');
  const r = await compress({ ...quick, teacher, out: newRun(), ratios: [0.5], epochsPerStep: 0 });
  assert.equal(r.score, 'accuracy');
  const s = r.steps[0]!;
  assert.deepEqual(Object.keys(s.fidelity!['output']!), ['agreement']);
  assert.equal(s.metrics!['output']!['accuracy'], s.testAccuracy);
});

test('bad task options: one line, exit 2, no run folder', async () => {
  const embed = await truncatedVgg('flatten_9');
  const pooled = await truncatedVgg('globalaveragepool_8');
  const cases: [string[], RegExp][] = [
    [['--teacher', embed, '--loss', 'logits=kl'], /^whittle: error\[E_CONFIG\]: --loss: names output 'logits', which the teacher lacks \(its outputs: flatten_9\)\n/],
    [['--teacher', pooled, '--task', 'classify'], /^whittle: error\[E_CONFIG\]: --task: the teacher's output 'globalaveragepool_8': classify needs an output \[N, K\] \(class logits\), got \[N, 128, 1, 1\]\n/],
    [['--teacher', embed, '--no-distill'], /^whittle: error\[E_CONFIG\]: --no-distill: off trains on labels alone, and its class labels fit none of the teacher's outputs \(flatten_9: embed\)\n/],
  ];
  for (const [args, want] of cases) {
    const out = newRun();
    const r = runCli(['compress', ...args, '--data', DATA, '--ratios', '0.5', '-o', out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, want);
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('  hint:')).length, 1, r.stderr);
    assert.equal(existsSync(out), false);
  }
});

test('the teacher cache beyond its memory budget spills rows to teacher-cache.bin and looks up the same values, in their shape (vectors and maps)', async () => {
  for (const value of ['flatten_9', 'globalaveragepool_8']) {
    const teacher = loadOnnx(await truncatedVgg(value));
    const ds = await openDataset(DATA, { valSize: 100 });
    const heads = headsFor(teacher, ds, { task: ['auto'], loss: [], distill: true });
    const dir = mkdtempSync(join(tmpdir(), 'whittle-cache-'));
    const all = await TeacherCache.build(teacher, ds, { device: 'cpu', views: 'off', heads });
    // 128 floats a row ([128] or [128, 1, 1]): room for 150 rows in memory, the other 250 in the file
    const spilled = await TeacherCache.build(teacher, ds, { device: 'cpu', views: 'off', heads, memoryBytes: 150 * 128 * 4, spillDir: dir });
    try {
      assert.equal(spilled.spilled, true);
      assert.deepEqual(readdirSync(dir), ['teacher-cache.bin']);
      // rows from memory and the file together, and from the file alone
      for (const rows of [Uint32Array.from([399, 3, 150, 149, 0, 260]), Uint32Array.from([399, 260])]) {
        tidy(() => {
          const [got, want] = [spilled.lookupAll(rows)[0]!, all.lookupAll(rows)[0]!];
          assert.deepEqual(got.shape, want.shape, value);
          assert.deepEqual(got.toArray(), want.toArray());
        });
      }
    } finally {
      all.dispose();
      spilled.dispose();
      teacher.dispose();
    }
    assert.deepEqual(readdirSync(dir), [], 'disposing removes the file');
  }
});

test('whittle eval --teacher prints the fidelity per output (--json: a fidelity object per output) and an embedding\'s k-NN accuracy on class labels, also alone; alone on unlabelled data, an embedding has nothing to score', async () => {
  const embed = await truncatedVgg('flatten_9');
  const r = runCli(['eval', embed, '--teacher', embed, '--data', DATA, '--no-latency', '--precision', 'fp32', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = r.lastJson() as { fidelity: Record<string, Record<string, number>>; metrics: Record<string, Record<string, number>>; tasks: unknown[]; accuracy: unknown };
  assert.deepEqual(j.fidelity, { flatten_9: { cosine: 1, neighbourAgreement: 1 } });
  assert.deepEqual(j.tasks, [{ output: 'flatten_9', task: 'embed', labelled: false, scored: true }]);
  const knn = j.metrics['flatten_9']!['knnAccuracy']!;
  assert.ok(knn >= 0 && knn <= 1, String(knn));
  assert.equal(j.accuracy, null);
  const text = runCli(['eval', embed, '--teacher', embed, '--data', DATA, '--no-latency', '--precision', 'fp32']);
  assert.match(text.stdout, /: test split \(100 samples, fp32\), \d+ params, \d+ MACs\n {2}flatten_9 \(embed\): fidelity cosine 1\.0000, neighbourAgreement 1\.0000; labels knnAccuracy [01]\.\d{4}\n$/);
  const alone = runCli(['eval', embed, '--data', DATA, '--no-latency', '--precision', 'fp32', '--json']);
  assert.equal(alone.status, 0, alone.stderr);
  assert.deepEqual((alone.lastJson() as { metrics: unknown }).metrics, { flatten_9: { knnAccuracy: knn } });
  const unlabelled = npySet('<f4', [20, 1, 12, 12], new Float32Array(20 * 144).map((_, i) => (i % 13) / 13));
  const nothing = runCli(['eval', embed, '--data', unlabelled, '--no-latency']);
  assert.equal(nothing.status, 2);
  assert.match(nothing.stderr, /^whittle: error\[E_CONFIG\]: --teacher: is needed: .* labels score none of the model's outputs \(flatten_9: embed\)\n/);
});

/** An npy: tensor set of `n` rows: x.npy from `x` ([n, ...shape]) and, when given, y.npy class ids. */
function npySet(descr: string, shape: number[], x: ArrayBufferView, y?: BigInt64Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-npy-'));
  writeFileSync(join(dir, 'x.npy'), npyBytes(descr, shape, x));
  if (y) writeFileSync(join(dir, 'y.npy'), npyBytes('<i8', [y.length], y));
  return `npy:${dir}`;
}

const wild = (name: string): string => join(repoRoot, 'test', 'fixtures', 'wild', name, 'model.onnx');

test('sequences: a text classifier on int64 token ids with labels measured against its teacher and compressed (heads, MLP, embedding), and a Conv1d model compressed from unlabelled npy features with fidelity', async () => {
  const n = 300;
  const tokens = npySet('<i8', [n, 12], BigInt64Array.from({ length: n * 12 }, (_, i) => BigInt((i * 7919) % 50)), BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 3)));
  const seq = { valSize: 50, batchSize: 50, epochsPerStep: 1, threads: 2, precision: 'fp32' } as const;
  // eval measures any model against its teacher on the tokens
  const text = runCli(['eval', wild('text_transformer-op13-fixed'), '--teacher', wild('text_transformer-op13-fixed'), '--data', tokens, '--val-size', '50', '--no-latency', '--precision', 'fp32', '--json']);
  assert.equal(text.status, 0, text.stderr);
  const tj = text.lastJson() as { fidelity: Record<string, Record<string, number>>; metrics: Record<string, Record<string, number>>; accuracy: number };
  assert.deepEqual(tj.fidelity, { output: { agreement: 1 } });
  assert.equal(tj.metrics['output']!['accuracy'], tj.accuracy);
  // and compress cuts its embedding width, heads and MLP widths, distilling on the int64 tokens
  const tr = await compress({ ...seq, teacher: wild('text_transformer-op13-fixed'), data: tokens, out: newRun(), ratios: [0.5] });
  assert.deepEqual(tr.tasks, [{ output: 'output', task: 'classify', loss: 'kl', labelled: true, labelLoss: 'ce', shape: ['N', '3'] }]);
  assert.deepEqual([...new Set(tr.steps[0]!.groups.map((g) => g.kind))].sort(), ['embedding', 'heads', 'mlp']);
  const agreement = tr.final.fidelity!['output']!['agreement']!;
  assert.ok(agreement >= 0 && agreement <= 1, String(agreement));
  assert.ok(Math.abs(tr.final.paramsRatio - 0.5) <= 0.01, String(tr.final.paramsRatio));
  const features = npySet('<f4', [n, 2, 32], Float32Array.from({ length: n * 64 }, (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13));
  const out = newRun();
  const conv = await compress({ ...seq, teacher: wild('conv1d-op13-fixed'), data: features, out, ratios: [0.5089] });
  assert.deepEqual(conv.tasks, [{ output: 'output', task: 'classify', loss: 'kl', labelled: false, shape: ['N', '5'] }]);
  assert.match(conv.score!, /^agreement \(output 'output', against the teacher\)$/);
  const f = conv.final.fidelity!['output']!['agreement']!;
  assert.ok(f >= 0 && f <= 1 && f === conv.final.testAccuracy, String(f));
  assert.equal(conv.final.metrics, undefined);
  assert.ok(conv.final.paramsRatio < 0.55);
  assert.ok(existsSync(join(out, 'report.json')));
});

test('a segmentation net (unet-small) compresses by per-pixel KL from the images alone, mIoU against the teacher in report.json', async () => {
  manualSeed(0);
  const g = buildZooGraph('unet-small', { input: [1, 12, 12], classes: 3 });
  const teacher = join(mkdtempSync(join(tmpdir(), 'whittle-task-')), 'unet.onnx');
  await saveOnnx(g, teacher);
  g.dispose();
  const r = await compress({ ...quick, teacher, out: newRun(), ratios: [0.5], optimizer: 'adamw' });
  assert.deepEqual(r.tasks!.map((t) => [t.task, t.loss, t.labelled, t.shape.join('x')]), [['segment', 'kl', false, 'Nx3x12x12']]);
  const f = r.final.fidelity!['output']!;
  assert.deepEqual(Object.keys(f).sort(), ['mIoU', 'pixelAgreement']);
  assert.ok(f['mIoU']! >= 0 && f['mIoU']! <= 1 && f['pixelAgreement']! > 0, JSON.stringify(f));
  assert.equal(r.final.testAccuracy, f['mIoU']);
});

test('train-teacher trains a regressor on y.npy float targets (epochs picked by R²) and refuses data without labels', () => {
  const n = 200;
  const x = Float32Array.from({ length: n * 64 }, (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13);
  const y = Float32Array.from({ length: n * 5 }, (_, i) => x[Math.floor(i / 5) * 64 + (i % 5)]! * 2);
  const dir = mkdtempSync(join(tmpdir(), 'whittle-npy-'));
  writeFileSync(join(dir, 'x.npy'), npyBytes('<f4', [n, 2, 32], x));
  writeFileSync(join(dir, 'y.npy'), npyBytes('<f4', [n, 5], y));
  const out = join(mkdtempSync(join(tmpdir(), 'whittle-reg-')), 'reg.onnx');
  const r = runCli(['train-teacher', '--model', wild('conv1d-op13-fixed'), '--data', `npy:${dir}`, '--val-size', '40', '--epochs', '2', '--batch-size', '40', '--optimizer', 'adamw', '--threads', '2', '--precision', 'fp32', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /epoch 1: train loss [\d.]+, val r2 -?[\d.]+%/);
  assert.match(r.stdout, /val r2 -?[\d.]+% \(epoch \d\), test r2 -?[\d.]+%\n$/);
  assert.ok(existsSync(out));
  const unlabelled = npySet('<f4', [n, 2, 32], x);
  const refused = runCli(['train-teacher', '--model', wild('conv1d-op13-fixed'), '--data', unlabelled, '--epochs', '1', '-o', `${out}.2.onnx`]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /^whittle: error\[E_CONFIG\]: --data: a teacher trains on labels, and npy:.* has no labels\n/);
  assert.equal(existsSync(`${out}.2.onnx`), false);
});

test('images without labels (folder:DIR of loose images): an embedding and a classifier compress from distillation alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-loose-'));
  for (let k = 0; k < 60; k++) await imageFile(join(dir, `img${k}.png`), 12, 12, k % 5, k);
  const loose = { ...quick, data: `folder:${dir}`, valSize: 10, batchSize: 20, channels: 1, imageSize: 12 };
  const embedRun = await compress({ ...loose, teacher: await truncatedVgg('flatten_9'), out: newRun(), ratios: [0.5] });
  assert.deepEqual(embedRun.tasks!.map((t) => [t.task, t.labelled]), [['embed', false]]);
  assert.ok(embedRun.final.fidelity!['flatten_9']!['cosine']! > 0);
  const teacher = await vggFile(10, 'teacher.onnx');
  const cls = await compress({ ...loose, teacher, out: newRun(), ratios: [0.5] });
  assert.deepEqual(cls.tasks!.map((t) => [t.task, t.loss, t.labelled]), [['classify', 'kl', false]]);
  assert.match(cls.score!, /^agreement /);
  assert.equal(cls.final.metrics, undefined);
});
