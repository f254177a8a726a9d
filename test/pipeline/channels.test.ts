// A model meets the images it is given in grey or RGB: a network trained on grey images repeated over RGB (PyTorch's
// Grayscale(3)) is fed grey datasets so, and a grey network is fed RGB folder images made grey (PIL's convert('L')),
// unless --channels says otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { manualSeed, tensor } from '../../src/tensor/index.js';
import { Graph } from '../../src/graph/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { loadOnnx, saveOnnx } from '../../src/onnx/index.js';
import { evaluate } from '../../src/api/index.js';
import { compress } from '../../src/pipeline/compress.js';
import { ConfigError } from '../../src/errors.js';
import { modelChannels } from '../../src/pipeline/dataset-options.js';
import { smallIdxData } from './fixtures.js';

/** The same network taking RGB images of grey content: the first conv's weights spread evenly over three channels. */
function rgbTwin(g: Graph): Graph {
  const c = g.clone();
  const first = c.nodes.find((n) => n.opType === 'Conv' && n.inputs[0] === g.inputs[0]!.name)!;
  const w = c.initializers.get(first.inputs[1]!)!;
  const [o, , kh, kw] = w.tensor.shape as [number, number, number, number];
  const src = w.tensor.data() as Float32Array;
  const k = kh * kw;
  const spread = Float32Array.from({ length: o * 3 * k }, (_, i) => src[Math.floor(i / (3 * k)) * k + (i % k)]! / 3);
  w.tensor.dispose();
  c.initializers.set(first.inputs[1]!, { ...w, tensor: tensor(spread, [o, 3, kh, kw]) });
  const [n, , h, wd] = g.inputs[0]!.shape!;
  return new Graph({ name: c.name, inputs: [{ ...g.inputs[0]!, shape: [n!, 3, h!, wd!] }], outputs: c.outputs, nodes: c.nodes, initializers: c.initializers, opset: c.opset, metadata: c.metadata });
}

test('an RGB teacher of grey images evaluates as its grey twin on grey data, and compresses to an RGB student', async () => {
  const data = smallIdxData();
  manualSeed(0);
  const g = buildZooGraph('vgg-small', { input: [1, 12, 12], classes: 10 });
  const twin = rgbTwin(g);
  const o = { valSize: 100, latency: false } as const;
  const [grey, rgb] = [await evaluate(g, data, o), await evaluate(twin, data, o)];
  assert.equal(rgb.accuracy, grey.accuracy);
  assert.ok(Math.abs(rgb.loss - grey.loss) < 1e-5, `loss ${rgb.loss} vs ${grey.loss}`);
  assert.deepEqual(grey.warnings, []);
  assert.match(rgb.warnings.join('\n'), /the images are grey and the model takes RGB/);
  await assert.rejects(evaluate(twin, data, { ...o, channels: 1 }), (e: unknown) => e instanceof ConfigError && /takes input \[N, 3, 12, 12\] but the dataset's images are 1x12x12/.test(e.message) && e.hint === '--channels 3 converts grey and RGB images');
  const dir = mkdtempSync(join(tmpdir(), 'whittle-rgb-'));
  await saveOnnx(twin, join(dir, 'rgb.onnx'));
  twin.dispose();
  g.dispose();

  const events: { type: string; message?: string }[] = [];
  const out = join(dir, 'run');
  const r = await compress({ teacher: join(dir, 'rgb.onnx'), data, valSize: 100, batchSize: 100, threads: 1, ratios: [0.5], epochsPerStep: 1, out, onEvent: (e) => events.push(e) });
  assert.equal(r.teacher.testAccuracy, grey.accuracy, 'the teacher scored on the repeated images');
  assert.ok(events.some((e) => e.type === 'warning' && /grey and the model takes RGB/.test(e.message ?? '')));
  assert.equal((JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { channels: unknown }).channels, null);
  assert.deepEqual([r.data?.shape, r.data?.storedChannels, r.data?.statsSource], [[3, 12, 12], 1, 'computed']);
  assert.match(r.data!.warnings.join('\n'), /grey and the model takes RGB/);
  const student = loadOnnx(join(out, 'student.onnx'));
  assert.deepEqual(student.inputs[0]!.shape!.slice(1), [3, 12, 12]);
  student.dispose();
  const s = await ort.InferenceSession.create(join(out, 'student.onnx'));
  const y = (await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(2 * 3 * 144).fill(0.3), [2, 3, 12, 12]) }))[s.outputNames[0]!]!;
  assert.deepEqual(y.dims, [2, 10]);
});

/** Three classes of 12x12 images of grey content, written twice: as grey PNGs and as RGB PNGs (R = G = B). */
async function greyAndRgbFolders(): Promise<{ grey: string; rgb: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-grey-rgb-'));
  for (const [ci, cls] of ['a', 'b', 'c'].entries()) {
    for (const split of ['train', 'test']) {
      for (let k = 0; k < (split === 'train' ? 20 : 6); k++) {
        const px = Uint8Array.from({ length: 144 }, (_, p) => (ci * 80 + k * 7 + (p % 12) * (ci + 1) * 3 + Math.floor(p / 12)) % 256);
        for (const [kind, ch] of [['grey', 1], ['rgb', 3]] as const) {
          const d = join(dir, kind, split, cls);
          mkdirSync(d, { recursive: true });
          const raw = Buffer.from(Uint8Array.from({ length: 144 * ch }, (_, i) => px[Math.floor(i / ch)]!));
          await sharp(raw, { raw: { width: 12, height: 12, channels: ch } }).png().toFile(join(d, `${k}.png`));
        }
      }
    }
  }
  return { grey: `folder:${join(dir, 'grey')}`, rgb: `folder:${join(dir, 'rgb')}` };
}

test('a grey model is fed RGB folder images made grey: the same scores as the grey files; --channels 3 keeps them RGB', async () => {
  const { grey, rgb } = await greyAndRgbFolders();
  manualSeed(1);
  const g = buildZooGraph('vgg-small', { input: [1, 12, 12], classes: 3 });
  const o = { valSize: 15, latency: false } as const;
  const a = await evaluate(g, grey, o);
  const b = await evaluate(g, rgb, o);
  assert.deepEqual([b.accuracy, b.loss, b.count], [a.accuracy, a.loss, a.count]);
  assert.match(b.warnings.join('\n'), /the images are RGB and the model takes grey: converted by ITU-R 601-2 luma/);
  await assert.rejects(evaluate(g, rgb, { ...o, channels: 3 }), /takes input \[N, 1, 12, 12\] but the dataset's images are 3x12x12/);
  g.dispose();
});

test('modelChannels reads grey or RGB from NCHW and NHWC inputs, named spatial dims included', () => {
  const input = (shape: (number | string)[]): Graph => new Graph({ inputs: [{ name: 'x', dtype: 'float32', shape }], outputs: [{ name: 'x', dtype: 'float32', shape }], nodes: [], initializers: new Map() });
  const cases: [(number | string)[], number | null][] = [
    [['N', 1, 28, 28], 1], [['N', 3, 'height', 'width'], 3], [[1, 28, 28, 1], 1], [['N', 'h', 'w', 3], 3], [['N', 3, 3, 3], 3],
    [['N', 'C', 'H', 'W'], null], [['N', 4, 32, 32], null], [['N', 784], null], [['N', 32, 32, 4], null],
  ];
  for (const [shape, c] of cases) assert.equal(modelChannels(input(shape)), c, shape.join(','));
});
