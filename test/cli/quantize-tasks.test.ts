// `whittle quantize` on models that are not labelled classifiers: a segmentation net scored by mIoU against the
// float model's argmax and against masks, an embedding model by cosine and k-NN accuracy, --max-drop on fidelity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel } from '../../src/onnx/index.js';
import { runCli } from './run-cli.js';
import { segFolder, smallIdxData, truncatedVgg, zooTeacherFile } from '../pipeline/fixtures.js';

const quick = ['--calibration-batches', '2', '--no-latency', '--json', '--threads', '2'];
const out = (): string => join(mkdtempSync(join(tmpdir(), 'whittle-qt-')), 'int8.onnx');

test('quantize a segmentation net: every Conv fused (the map it outputs included), mIoU to the float model and against the masks', async () => {
  const model = await zooTeacherFile('unet-small', 3, 12);
  const file = out();
  const r = runCli(['quantize', model, '-o', file, '--data', await segFolder(), '--val-size', '4', ...quick]);
  assert.equal(r.status, 0, r.stderr);
  const j = r.lastJson() as Record<string, any>;
  assert.equal(j['accuracy'], null, 'no output is a labelled classifier');
  assert.deepEqual(j['floatOps'], {}, 'the last Conv, whose map is the output, runs as QLinearConv too');
  assert.equal(j['fused'], j['quantized']);
  assert.ok(j['fusedOps']['QLinearConv'] > 0);
  assert.equal(j['fusedOps']['QLinearConcat'], 2, 'the skip connections are concatenated on the integers');
  const o = j['outputs']['output'];
  assert.equal(o.task, 'segment');
  assert.deepEqual(Object.keys(o.fidelity).sort(), ['mIoU', 'pixelAgreement']);
  assert.ok(o.fidelity.pixelAgreement > 0.9 && o.fidelity.mIoU > 0.5, JSON.stringify(o.fidelity));
  assert.equal(j['fidelity'], o.fidelity.mIoU, "the report's fidelity is the segmentation's mIoU to the float model");
  assert.deepEqual(Object.keys(o.metrics.before), ['mIoU']);
  assert.ok(Math.abs(o.metrics.after.mIoU - o.metrics.before.mIoU) < 0.1, JSON.stringify(o.metrics));
  const g = decodeModel(readFileSync(file), 'int8.onnx').graph!;
  assert.deepEqual(g.output.map((v) => v.name), ['output'], 'the output keeps its name');
  assert.equal(g.node.find((n) => n.output.includes('output'))?.opType, 'DequantizeLinear');
});

test('quantize an embedding model: cosine to the float model and k-NN accuracy on the class labels; --max-drop on fidelity', async () => {
  const model = await truncatedVgg('flatten_9');
  const data = smallIdxData();
  const r = runCli(['quantize', model, '-o', out(), '--data', data, ...quick]);
  assert.equal(r.status, 0, r.stderr);
  const j = r.lastJson() as Record<string, any>;
  const o = j['outputs']['flatten_9'];
  assert.equal(o.task, 'embed');
  assert.ok(o.fidelity.cosine > 0.95 && o.fidelity.cosine <= 1, JSON.stringify(o.fidelity));
  assert.deepEqual(Object.keys(o.metrics.after), ['knnAccuracy']);
  assert.equal(j['accuracy'], null);
  // fidelity picks what stays in float: the float model scores 1, and the int8 one must come within 0.001 point
  const d = runCli(['quantize', model, '-o', out(), '--data', data, '--max-drop', '0.001', ...quick]);
  assert.equal(d.status, 0, d.stderr);
  const m = (d.lastJson() as Record<string, any>)['maxDrop'];
  assert.equal(m.before, 1);
  const left = (d.lastJson() as Record<string, any>)['excluded'] as string[];
  assert.ok(left.length > 0 && (100 * (1 - m.after) <= 0.001 || left.length === (d.lastJson() as Record<string, any>)['layers'].length - 1), JSON.stringify({ m, left }));
  // a text line per output without --json
  const t = runCli(['quantize', model, '-o', out(), '--data', data, '--calibration-batches', '2', '--no-latency']);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /^output {4}'flatten_9' \(embed\) on the test split in onnxruntime-node: fidelity to the float model cosine (0\.9\d+|1\.0000), neighbourAgreement [01]\.\d{4}; against the labels knnAccuracy [01]\.\d{4} -> [01]\.\d{4}$/m);
  assert.ok(existsSync(model));
});
