// whittle inspect / convert / infer on the fixture models, in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNpy } from '../../src/data/npy.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { caseData, cases, editModel, fixturesDir, maxAbsDiff, modelPath, whittle } from './helpers.js';
import { repoRoot } from '../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-onnx-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('inspect --json: params (BN running stats excluded), MACs, inputs, outputs, opTypes', async () => {
  const r = await whittle('inspect', modelPath('convbn_train'), '--json');
  assert.equal(r.code, 0, r.err.join('\n'));
  const j = JSON.parse(r.out.at(-1)!) as Record<string, unknown>;
  assert.equal(j['params'], 1586);
  assert.equal(j['buffers'], 48);
  assert.equal(j['macs'], 67192);
  assert.deepEqual(j['macsInput'], [1, 3, 15, 15]);
  assert.deepEqual(j['inputs'], [{ name: 'input', dtype: 'float32', shape: ['N', 3, 15, 15] }]);
  assert.deepEqual(j['outputs'], [{ name: 'output', dtype: 'float32', shape: ['N', 10] }]);
  assert.deepEqual(j['opTypes'], { Conv: 2, BatchNormalization: 2, Relu: 2, MaxPool: 1, GlobalAveragePool: 1, Flatten: 1, Gemm: 1 });
  assert.equal(j['opset'], 13);
  assert.equal(j['producer'], 'pytorch 1.13.0');
  const text = await whittle('inspect', modelPath('resblock'));
  assert.equal(text.code, 0);
  assert.ok(text.out.some((l) => /^MACs\s+284,752 per sample at 1x3x16x16/.test(l)), text.out.join('\n'));
  assert.ok(text.out.some((l) => /^params\s+3,941$/.test(l)), text.out.join('\n'));
});

test('inspect shows the metadata_props that feeding a model takes: whittle.preprocess and whittle.labels of whittle\'s outputs', async () => {
  const teacher = join(repoRoot, 'teachers', 'vgg-small-fashion-mnist.onnx');
  const r = await whittle('inspect', teacher, '--json');
  assert.equal(r.code, 0, r.err.join('\n'));
  const { metadata } = JSON.parse(r.out.at(-1)!) as { metadata: Record<string, string> };
  assert.deepEqual(Object.keys(metadata).sort(), ['whittle.labels', 'whittle.preprocess']);
  assert.deepEqual(JSON.parse(metadata['whittle.preprocess']!), { scale: 1 / 255, mean: [0.286], std: [0.353] });
  assert.equal((JSON.parse(metadata['whittle.labels']!) as string[])[9], 'Ankle boot');
  const text = await whittle('inspect', teacher);
  assert.ok(text.out.includes('metadata whittle.preprocess = {"scale":0.00392156862745098,"mean":[0.286],"std":[0.353]}'), text.out.join('\n'));
  const pytorch = await whittle('inspect', modelPath('convbn_train'), '--json');
  assert.deepEqual((JSON.parse(pytorch.out.at(-1)!) as { metadata: unknown }).metadata, {}, 'producer fields are not metadata_props');
});

test('inspect: symbolic spatial dims need --input for MACs; the shape also folds view(N, -1)', async () => {
  const dynamic = (base: string) => editModel(base, (m) => {
    const dims = m.graph!.input[0]!.type!.tensorType!.shape!.dim;
    dims[2] = { dimParam: 'H' };
    dims[3] = { dimParam: 'W' };
  });
  const p = join(dir, 'dyn.onnx');
  writeFileSync(p, dynamic('convbn_eval'));
  const a = await whittle('inspect', p, '--json');
  assert.equal(a.code, 0, a.err.join('\n'));
  const ja = JSON.parse(a.out.at(-1)!) as { macs: number | null; notes: string[]; inputs: { shape: unknown[] }[] };
  assert.equal(ja.macs, null);
  assert.match(ja.notes[0]!, /give --input/);
  assert.deepEqual(ja.inputs[0]!.shape, ['N', 3, 'H', 'W']);
  const b = await whittle('inspect', p, '--json', '--input', '1x3x15x15');
  assert.equal((JSON.parse(b.out.at(-1)!) as { macs: number }).macs, 67192);
  // flatten_gemm with symbolic H, W: folding needs the shape, and without it the Shape ops stay (still runnable).
  const q = join(dir, 'dynflat.onnx');
  writeFileSync(q, dynamic('flatten_gemm'));
  const c = await whittle('inspect', q, '--json', '--input', '1x3x8x8');
  const jc = JSON.parse(c.out.at(-1)!) as { macs: number; opTypes: Record<string, number> };
  assert.equal(jc.macs, 2556);
  assert.equal(jc.opTypes['Shape'], undefined);
  const g = loadOnnx(q);
  assert.ok(g.nodes.some((n) => n.opType === 'Shape'));
  g.dispose();
});

test('infer: writes the first output as float32 .npy matching PyTorch; convert writes a loadable model', async () => {
  for (const c of cases().filter((k) => ['resblock', 'depthwise', 'flatten_gemm', 'external_data'].includes(k.name))) {
    const y = join(dir, `${c.name}.npy`);
    const r = await whittle('infer', modelPath(c.name), '--input', join(fixturesDir, c.data ?? c.name, 'input.npy'), '--output', y);
    assert.equal(r.code, 0, r.err.join('\n'));
    const got = parseNpy(readFileSync(y), y);
    const want = caseData(c).y;
    assert.equal(got.descr, '<f4');
    assert.deepEqual(got.shape, want.shape);
    assert.ok(maxAbsDiff(got.data as Float32Array, want.data) <= 1e-4, c.name);
  }
  const out = join(dir, 'converted.onnx');
  const r = await whittle('convert', modelPath('depthwise'), out, '--opset', '17');
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.match(r.out.at(-1)!, /converted\.onnx: 11 nodes, [\d,]+ params, opset 17/);
  const g = loadOnnx(out);
  assert.equal(g.opset, 17);
  assert.equal(g.metadata['producer_name'], 'whittle');
  g.dispose();
});
