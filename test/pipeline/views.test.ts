// Two views of each image: `compress --teacher-views flip` distils from the mean of the teacher's logits on each image
// and on its mirror image, and `eval --views flip` classifies by it; checked against onnxruntime run on both views.
// The teacher cache holds those means; compress records the setting and trains on other targets than with 'off'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { manualSeed, randn } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import type { Graph } from '../../src/graph/index.js';
import { saveOnnx } from '../../src/onnx/index.js';
import { BatchLoader, openDataset, prefetchEpoch, toTensors } from '../../src/data/index.js';
import { batchOnDevice, logitsOverViews } from '../../src/distill/index.js';
import { TeacherCache } from '../../src/pipeline/teacher-cache.js';
import { compress } from '../../src/pipeline/compress.js';
import { evaluate } from '../../src/api/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { writeClassFolders } from '../data/fixtures.js';
import { newRun } from './fixtures.js';

/** [N, C, H, W] pixels mirrored left to right. */
function mirrored(x: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < n! * c! * h!; i++) for (let j = 0; j < w!; j++) y[i * w! + j] = x[i * w! + w! - 1 - j]!;
  return y;
}

/** A new untrained zoo model for 3x12x12 images (seeded), and the ONNX file it is saved as. */
async function savedModel(seed: number, arch: 'vgg-small' | 'resnet-small', classes: number): Promise<{ g: Graph; file: string }> {
  manualSeed(seed);
  const g = buildZooGraph(arch, { input: [3, 12, 12], classes });
  const file = join(mkdtempSync(join(tmpdir(), 'whittle-views-')), 'model.onnx');
  await saveOnnx(g, file);
  return { g, file };
}

test("logitsOverViews: 'off' is the teacher's logits, 'flip' their mean with the mirror image's, as onnxruntime gives them", async () => {
  const { g, file } = await savedModel(3, 'resnet-small', 5);
  const shape = [4, 3, 12, 12];
  const x = randn(shape);
  const pixels = x.data() as Float32Array;
  const s = await ort.InferenceSession.create(file);
  const run = async (data: Float32Array): Promise<Float32Array> => (await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', data, shape) }))[s.outputNames[0]!]!.data as Float32Array;
  const [plain, mirror] = [await run(pixels), await run(mirrored(pixels, shape))];
  assertClose(logitsOverViews(g, x, 'off'), [...plain], { atol: 1e-4, what: 'off' });
  assertClose(logitsOverViews(g, x, 'flip'), Array.from(plain, (v, i) => (v + mirror[i]!) / 2), { atol: 1e-4, what: 'flip' });
  assert.ok(plain.some((v, i) => Math.abs(v - mirror[i]!) > 1e-3), 'the untrained teacher is not mirror-symmetric, so the test tells the two apart');
  x.dispose();
  g.dispose();
});

async function rgbFolder(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-views-data-'));
  await writeClassFolders(join(dir, 'train'), ['a', 'b', 'c'], 40, 12);
  await writeClassFolders(join(dir, 'test'), ['a', 'b', 'c'], 6, 12);
  return `folder:${dir}`;
}

test("the teacher cache with views 'flip' holds each training image's two-view mean", async () => {
  const data = await rgbFolder();
  const ds = await openDataset(data, { imageSize: 12, valSize: 30 });
  manualSeed(0);
  const g = buildZooGraph('vgg-small', { input: [3, 12, 12], classes: 3 });
  const [flip, off] = [await TeacherCache.build(g, ds, { device: 'cpu', views: 'flip', batchSize: 32 }), await TeacherCache.build(g, ds, { device: 'cpu', views: 'off', batchSize: 32 })];
  const loader = BatchLoader.of(ds, 'train', { batchSize: 16, seed: 5, augment: null });
  const b = loader.batchAt(0, 1);
  const rows = loader.rowsAt(0, 1);
  const x = batchOnDevice(b, 'cpu').x;
  assertClose(flip.lookup(rows), logitsOverViews(g, x, 'flip').toArray(), { atol: 1e-5, what: 'cached flip' });
  assertClose(off.lookup(rows), logitsOverViews(g, x, 'off').toArray(), { atol: 1e-5, what: 'cached off' });
  assert.notDeepEqual(flip.lookup(rows).toArray(), off.lookup(rows).toArray());
  flip.dispose();
  off.dispose();
  g.dispose();
});

test("compress with teacherViews 'flip' records it and trains on the two-view targets, cached or not", async () => {
  const data = await rgbFolder();
  const { g, file: teacher } = await savedModel(0, 'vgg-small', 3);
  g.dispose();
  const common = { teacher, data, imageSize: 12, valSize: 30, batchSize: 30, epochsPerStep: 1, ratios: [0.5], threads: 2 } as const;
  const loss = async (o: Partial<Parameters<typeof compress>[0]>): Promise<[number, string]> => {
    const out = newRun();
    const r = await compress({ ...common, ...o, out });
    return [r.steps[0]!.epochs[0]!.trainLoss, (JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { teacherViews?: string }).teacherViews ?? 'absent'];
  };
  const [off, flip] = [await loss({ augment: 'off' }), await loss({ augment: 'off', teacherViews: 'flip' })];
  assert.equal(off[1], 'off');
  assert.equal(flip[1], 'flip');
  assert.notEqual(flip[0], off[0], 'other targets, another loss');
  // with random augmentation there is no cache: the teacher runs on each batch, on both views
  const [augOff, augFlip] = [await loss({ augment: 'default' }), await loss({ augment: 'default', teacherViews: 'flip' })];
  assert.notEqual(augFlip[0], augOff[0]);
});

test("evaluate with views 'flip' gives the accuracy and loss of onnxruntime's two-view means", async () => {
  const data = await rgbFolder();
  const { g, file } = await savedModel(1, 'vgg-small', 3);
  const s = await ort.InferenceSession.create(file);
  const ds = await openDataset(data, { imageSize: 12, valSize: 30 });
  let correct = 0;
  let loss = 0;
  for await (const b of prefetchEpoch(BatchLoader.of(ds, 'test', { batchSize: 7, shuffle: false, augment: null }))) {
    const { x, y } = toTensors(b);
    const shape = x.shape;
    const pixels = x.data() as Float32Array;
    const run = async (d: Float32Array): Promise<Float32Array> => (await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', d, shape) }))[s.outputNames[0]!]!.data as Float32Array;
    const [a, m] = [await run(pixels), await run(mirrored(pixels, shape))];
    const labels = y.toArray();
    for (let i = 0; i < b.n; i++) {
      const z = [0, 1, 2].map((k) => (a[i * 3 + k]! + m[i * 3 + k]!) / 2);
      const top = Math.max(...z);
      correct += z.indexOf(top) === labels[i] ? 1 : 0;
      loss += Math.log(z.reduce((acc, v) => acc + Math.exp(v - top), 0)) + top - z[labels[i]!]!;
    }
    x.dispose();
    y.dispose();
  }
  const e = await evaluate(g, data, { imageSize: 12, valSize: 30, latency: false, views: 'flip' });
  assert.equal(e.views, 'flip');
  assert.equal(e.accuracy, correct / e.count);
  assert.ok(Math.abs(e.loss - loss / e.count) < 1e-4, `loss ${e.loss} against ${loss / e.count}`);
  const plain = await evaluate(g, data, { imageSize: 12, valSize: 30, latency: false });
  assert.notEqual(plain.loss, e.loss);
  g.dispose();
});
