// Classifiers as other frameworks write them: models that take images channels last ([N, H, W, C], as Keras and
// TensorFlow export them) and models that end in a Softmax are evaluated, pruned and distilled like their plain
// twins (the losses see logits), and their students keep the input layout and the Softmax; grey-image perceptrons
// that take their pixels flattened; models that take 8-bit pixels as they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { contiguous, manualSeed, noGrad, randn, tensor, tidy } from '../../src/tensor/index.js';
import { Graph, int, ints } from '../../src/graph/index.js';
import { imageFeeds, inputLayout, logitsValue } from '../../src/exec/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { loadOnnx, saveOnnx } from '../../src/onnx/index.js';
import { forward } from '../../src/distill/index.js';
import { evaluate } from '../../src/api/index.js';
import { compress } from '../../src/pipeline/compress.js';
import { assertClose } from '../helpers/assert-close.js';
import { writeClassFolders } from '../data/fixtures.js';
import { smallIdxData } from './fixtures.js';

/** The same network taking [N, H, W, C]: a Transpose to [N, C, H, W] in front, as tf2onnx writes Keras models. */
function channelsLastTwin(g: Graph): Graph {
  const c = g.clone();
  const [n, ch, h, w] = g.inputs[0]!.shape!;
  const input = { name: 'image_nhwc', dtype: 'float32' as const, shape: [n!, h!, w!, ch!] };
  const nodes = [{ name: 'to_nchw', opType: 'Transpose', domain: '', inputs: ['image_nhwc'], outputs: [g.inputs[0]!.name], attrs: { perm: ints([0, 3, 1, 2]) } }, ...c.nodes];
  return new Graph({ name: c.name, inputs: [input], outputs: c.outputs, nodes, initializers: c.initializers, opset: c.opset, metadata: c.metadata });
}

/** A three-class folder dataset of 12x12 RGB images (per class: `train` and `test` of them) in a new folder. */
async function folderData(prefix: string, train: number, test: number): Promise<{ dir: string; data: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  await writeClassFolders(join(dir, 'data', 'train'), ['a', 'b', 'c'], train, 12);
  await writeClassFolders(join(dir, 'data', 'test'), ['a', 'b', 'c'], test, 12);
  return { dir, data: `folder:${join(dir, 'data')}` };
}

/** The same network taking grey images flattened ([N, H*W]) or as [N, H, W]: a Reshape to [N, 1, H, W] in front. */
function perceptronTwin(g: Graph, rank: 2 | 3): Graph {
  const c = g.clone();
  const [n, , h, w] = g.inputs[0]!.shape! as [string, number, number, number];
  const input = { name: 'pixels', dtype: 'float32' as const, shape: rank === 2 ? [n, h * w] : [n, h, w] };
  c.initializers.set('to_image', { tensor: tensor([-1, 1, h, w], [4], 'int64'), kind: 'constant' });
  const nodes = [{ name: 'to_image', opType: 'Reshape', domain: '', inputs: ['pixels', 'to_image'], outputs: [g.inputs[0]!.name], attrs: {} }, ...c.nodes];
  return new Graph({ name: c.name, inputs: [input], outputs: c.outputs, nodes, initializers: c.initializers, opset: c.opset, metadata: c.metadata });
}

/** The same network taking 8-bit pixels as they are: a uint8 input and a Cast to float in front. */
function uint8Twin(g: Graph): Graph {
  const c = g.clone();
  const input = { name: 'pixels_u8', dtype: 'uint8' as const, shape: g.inputs[0]!.shape! };
  const nodes = [{ name: 'to_float', opType: 'Cast', domain: '', inputs: ['pixels_u8'], outputs: [g.inputs[0]!.name], attrs: { to: int(1) } }, ...c.nodes];
  return new Graph({ name: c.name, inputs: [input], outputs: c.outputs, nodes, initializers: c.initializers, opset: c.opset, metadata: c.metadata });
}

/** The same network with a Softmax over the classes after its logits. */
function softmaxTwin(g: Graph): Graph {
  const c = g.clone();
  const out = g.outputs[0]!;
  const nodes = [...c.nodes.map((n) => (n.outputs[0] === out.name ? { ...n, outputs: ['logits'] } : n)), { name: 'probs', opType: 'Softmax', domain: '', inputs: ['logits'], outputs: [out.name], attrs: { axis: int(-1) } }];
  return new Graph({ name: c.name, inputs: c.inputs, outputs: c.outputs, nodes, initializers: c.initializers, opset: c.opset, metadata: c.metadata });
}

test('inputLayout reads the fixed dims of the input; an NHWC graph is fed the permuted batch', () => {
  const g = buildZooGraph('vgg-small', { input: [3, 12, 12], classes: 3 });
  const twin = channelsLastTwin(g);
  const with_ = (shape: (number | string)[]): Graph => new Graph({ inputs: [{ name: 'x', dtype: 'float32', shape }], outputs: [{ name: 'x', dtype: 'float32', shape }], nodes: [], initializers: new Map() });
  assert.equal(inputLayout(g, [3, 12, 12]), 'nchw');
  assert.equal(inputLayout(twin, [3, 12, 12]), 'nhwc');
  assert.equal(inputLayout(with_(['N', 'H', 'W', 3]), [3, 32, 32]), 'nhwc');
  assert.equal(inputLayout(with_(['N', 'C', 'H', 'W']), [3, 32, 32]), 'nchw', 'nothing fixed: as PyTorch exports');
  assert.equal(inputLayout(with_(['N', 5, 5, 5]), [3, 32, 32]), null);
  assert.equal(inputLayout(with_(['N', 784]), [1, 28, 28]), 'flat');
  assert.equal(inputLayout(with_(['N', 100]), [1, 28, 28]), null);
  manualSeed(3);
  tidy(() => {
    const x = contiguous(randn([4, 3, 12, 12]), 'channels_last');
    assert.deepEqual(imageFeeds(twin, x)['image_nhwc']!.shape, [4, 12, 12, 3]);
    const a = noGrad(() => forward(g, x, false));
    const b = noGrad(() => forward(twin, x, false));
    assertClose(b, a.toArray(), { atol: 1e-6, what: 'NHWC twin vs NCHW' });
  });
  twin.dispose();
  g.dispose();
});

test('an NHWC teacher evaluates and compresses as its NCHW twin; the student takes NHWC images in onnxruntime', async () => {
  const { dir, data } = await folderData('whittle-nhwc-', 40, 6);
  manualSeed(0);
  const g = buildZooGraph('vgg-small', { input: [3, 12, 12], classes: 3 });
  const twin = channelsLastTwin(g);
  await saveOnnx(g, join(dir, 'nchw.onnx'));
  await saveOnnx(twin, join(dir, 'nhwc.onnx'));
  const o = { imageSize: 12, valSize: 30, latency: false } as const;
  const [e1, e2] = [await evaluate(g, data, o), await evaluate(twin, data, o)];
  assert.equal(e2.accuracy, e1.accuracy);
  assert.ok(Math.abs(e2.loss - e1.loss) < 1e-5, `loss ${e2.loss} vs ${e1.loss}`);
  twin.dispose();
  g.dispose();

  const run = (teacher: string, out: string) => compress({ teacher: join(dir, teacher), data, imageSize: 12, valSize: 30, batchSize: 30, threads: 1, ratios: [0.5], epochsPerStep: 1, out: join(dir, out) });
  const [a, b] = [await run('nchw.onnx', 'run-nchw'), await run('nhwc.onnx', 'run-nhwc')];
  assert.equal(b.teacher.testAccuracy, a.teacher.testAccuracy);
  assert.equal(b.steps[0]!.achievedRatio, a.steps[0]!.achievedRatio, 'the same channels are cut');
  assert.ok(Math.abs(b.steps[0]!.epochs[0]!.trainLoss - a.steps[0]!.epochs[0]!.trainLoss) < 1e-4, 'the same training');

  const student = loadOnnx(join(dir, 'run-nhwc', 'student.onnx'));
  assert.deepEqual(student.inputs[0]!.shape!.slice(1), [12, 12, 3], 'the student takes what the teacher took');
  student.dispose();
  const x = Float32Array.from({ length: 2 * 3 * 144 }, (_, i) => Math.sin(i));
  const nhwc = Float32Array.from({ length: x.length }, (_, i) => {
    const [n, r] = [Math.floor(i / 432), i % 432];
    const [h, w, c] = [Math.floor(r / 36), Math.floor(r / 3) % 12, r % 3];
    return x[n * 432 + c * 144 + h * 12 + w]!;
  });
  const runOrt = async (file: string, data: Float32Array, shape: number[]): Promise<Float32Array> => {
    const s = await ort.InferenceSession.create(file);
    const y = (await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', data, shape) }))[s.outputNames[0]!]!;
    return y.data as Float32Array;
  };
  const ya = await runOrt(join(dir, 'run-nchw', 'student.onnx'), x, [2, 3, 12, 12]);
  const yb = await runOrt(join(dir, 'run-nhwc', 'student.onnx'), nhwc, [2, 12, 12, 3]);
  const diff = Math.max(...ya.map((v, i) => Math.abs(v - yb[i]!)));
  assert.ok(diff < 1e-3, `the two students differ by ${diff}`);
});

test('a teacher ending in a Softmax trains on its logits: evaluated and compressed as its twin without, the Softmax kept', async () => {
  const { dir, data } = await folderData('whittle-softmax-', 40, 6);
  manualSeed(0);
  const g = buildZooGraph('vgg-small', { input: [3, 12, 12], classes: 3 });
  const twin = softmaxTwin(g);
  assert.equal(logitsValue(g), g.outputs[0]!.name);
  assert.equal(logitsValue(twin), 'logits');
  await saveOnnx(g, join(dir, 'plain.onnx'));
  await saveOnnx(twin, join(dir, 'softmax.onnx'));
  const o = { imageSize: 12, valSize: 30, latency: false } as const;
  const [e1, e2] = [await evaluate(g, data, o), await evaluate(twin, data, o)];
  assert.deepEqual([e2.accuracy, e2.loss], [e1.accuracy, e1.loss], 'the loss is the cross-entropy of the logits');
  twin.dispose();
  g.dispose();

  const run = (teacher: string, out: string) => compress({ teacher: join(dir, teacher), data, imageSize: 12, valSize: 30, batchSize: 30, threads: 1, ratios: [0.5], epochsPerStep: 1, out: join(dir, out) });
  const [a, b] = [await run('plain.onnx', 'run-plain'), await run('softmax.onnx', 'run-softmax')];
  assert.deepEqual(b.steps[0]!.epochs, a.steps[0]!.epochs, 'the same distillation, epoch by epoch');
  assert.equal(b.steps[0]!.testAccuracy, a.steps[0]!.testAccuracy);
  const s = await ort.InferenceSession.create(join(dir, 'run-softmax', 'student.onnx'));
  const y = (await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(2 * 3 * 144).fill(0.2), [2, 3, 12, 12]) }))[s.outputNames[0]!]!;
  const p = y.data as Float32Array;
  for (const row of [0, 1]) assert.ok(Math.abs(p[row * 3]! + p[row * 3 + 1]! + p[row * 3 + 2]! - 1) < 1e-5, 'the student still outputs probabilities');
});

test('a folder dataset is resized to the side of the teacher\'s fixed input when --image-size is not given', async () => {
  const { dir, data } = await folderData('whittle-side-', 20, 4);
  manualSeed(0);
  const g = buildZooGraph('vgg-small', { input: [3, 20, 20], classes: 3 });
  const twin = channelsLastTwin(g);
  await saveOnnx(twin, join(dir, 'nhwc.onnx'));
  for (const m of [g, twin]) assert.equal((await evaluate(m, data, { valSize: 12, latency: false })).count, 12, 'images at 20x20, whichever the layout');
  await assert.rejects(evaluate(g, data, { valSize: 12, latency: false, imageSize: 16 }), /takes input \[N, 3, 20, 20\] but the dataset's images are 3x16x16/);
  twin.dispose();
  g.dispose();
  const out = join(dir, 'run');
  await compress({ teacher: join(dir, 'nhwc.onnx'), data, valSize: 12, batchSize: 16, threads: 1, ratios: [0.5], epochsPerStep: 0, out });
  assert.equal((JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { imageSize: number }).imageSize, 20, 'recorded, so that --resume reads the same images');
});

test('grey-image perceptrons that take [N, H*W] or [N, H, W] are fed their images so, and compress as their twin', async () => {
  const data = smallIdxData();
  manualSeed(0);
  const g = buildZooGraph('mlp', { input: [1, 12, 12], classes: 10 });
  const dir = mkdtempSync(join(tmpdir(), 'whittle-mlp-'));
  await saveOnnx(g, join(dir, 'image.onnx'));
  const o = { valSize: 100, latency: false } as const;
  const base = await evaluate(g, data, o);
  for (const rank of [2, 3] as const) {
    const twin = perceptronTwin(g, rank);
    assert.equal(inputLayout(twin, [1, 12, 12]), rank === 2 ? 'flat' : 'hw');
    assert.equal(inputLayout(twin, [3, 12, 12]), null, 'colour images are not guessed into a flat input');
    const e = await evaluate(twin, data, o);
    assert.deepEqual([e.accuracy, e.loss], [base.accuracy, base.loss], `rank ${rank}`);
    await saveOnnx(twin, join(dir, `rank${rank}.onnx`));
    twin.dispose();
  }
  g.dispose();
  const run = (teacher: string) => compress({ teacher: join(dir, teacher), data, valSize: 100, batchSize: 100, threads: 1, ratios: [0.5], epochsPerStep: 1, out: join(dir, `run-${teacher}`) });
  const a = await run('image.onnx');
  for (const f of ['rank2.onnx', 'rank3.onnx']) {
    const b = await run(f);
    assert.equal(b.steps[0]!.achievedRatio, a.steps[0]!.achievedRatio, f);
    assert.ok(Math.abs(b.steps[0]!.epochs[0]!.trainLoss - a.steps[0]!.epochs[0]!.trainLoss) < 1e-5, f);
  }
});

test('a model taking uint8 pixels is fed them as they are, timed in onnxruntime with uint8, and its student keeps the input', async () => {
  const data = smallIdxData();
  manualSeed(0);
  const g = buildZooGraph('vgg-small', { input: [1, 12, 12], classes: 10 });
  const twin = uint8Twin(g);
  const o = { valSize: 100, latency: false } as const;
  const raw = await evaluate(g, data, { ...o, mean: [0], std: [1 / 255] });
  const e = await evaluate(twin, data, { ...o, latency: true });
  assert.deepEqual([e.accuracy, e.loss], [raw.accuracy, raw.loss], 'the pixels as they are, as --mean 0 --std 1/255 gives the float model');
  assert.ok(e.latencyMs! > 0);
  const dir = mkdtempSync(join(tmpdir(), 'whittle-u8-'));
  await saveOnnx(twin, join(dir, 'u8.onnx'));
  twin.dispose();
  g.dispose();
  const out = join(dir, 'run');
  const r = await compress({ teacher: join(dir, 'u8.onnx'), data, valSize: 100, batchSize: 100, threads: 1, ratios: [0.5], epochsPerStep: 1, out });
  assert.equal(r.teacher.testAccuracy, raw.accuracy);
  const student = loadOnnx(join(out, 'student.onnx'));
  assert.equal(student.inputs[0]!.dtype, 'uint8');
  assert.deepEqual(JSON.parse(student.metadata['whittle.preprocess']!), { scale: 1 / 255, mean: [0], std: [1 / 255] });
  student.dispose();
  const s = await ort.InferenceSession.create(join(out, 'student.onnx'));
  const y = (await s.run({ [s.inputNames[0]!]: new ort.Tensor('uint8', new Uint8Array(2 * 144).fill(90), [2, 1, 12, 12]) }))[s.outputNames[0]!]!;
  assert.deepEqual(y.dims, [2, 10]);
  const reloaded = loadOnnx(join(out, 'student.onnx'));
  assert.equal((await evaluate(reloaded, data, o)).accuracy, r.steps[0]!.testAccuracy, 'the student is fed as its metadata says');
  reloaded.dispose();
});
