// The summary card's int8 tile: a run with --quantize int8 shows its int8 student's size, accuracy against the
// float student and latency; a run without shows none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryTiles } from '../../src/report/summary.js';
import type { CompressReport } from '../../src/report/index.js';

const base: CompressReport = {
  teacher: { params: 1000, macs: 10000, valAccuracy: 0.9, testAccuracy: 0.9 },
  steps: [{ step: 1, targetRatio: 0.5, achievedRatio: 0.5, params: 500, macs: 5000, valAccuracy: 0.88, testAccuracy: 0.88, seconds: 10, imagesPerSec: 100, epochs: [], groups: [] }],
  final: { params: 500, macs: 5000, valAccuracy: 0.88, testAccuracy: 0.88, paramsRatio: 0.5, macsRatio: 0.5 },
  config: {},
  footprint: { runtime: 'onnxruntime-node 1.23.2', threads: 1, batch: 1, runs: 100, teacher: { bytes: 4000, latencyMs: 0.4 }, student: { bytes: 2000, latencyMs: 0.2 }, int8: { bytes: 600, latencyMs: 0.1 } },
  versions: { whittle: '0', libtorch: '0', node: '0' },
};

test('a run with an int8 student shows it in a tile: size, test accuracy against the float student, latency', () => {
  const report = { ...base, int8: { bytes: 600, valAccuracy: 0.87, testAccuracy: 0.875, floatTestAccuracy: 0.88, quantized: 7, fused: 7, floatLayers: 0, activations: 'uint8' as const, epochs: [] } };
  const tile = summaryTiles({ name: 'run', report }).find((t) => t.title === 'int8 student');
  assert.ok(tile);
  assert.equal(tile.value, '600 B');
  assert.match(tile.detail, /test 87\.50% in onnxruntime-node \(−0\.50 pts against float\), 0\.100 ms \(2\.0x faster than float\); 7 int8 kernels/);
  assert.equal(tile.tone, 'good');
  assert.equal(summaryTiles({ name: 'run', report: base }).some((t) => t.title === 'int8 student'), false);
});

test("a run scored by its heads' metric (not one labelled classifier) names it in the result and the int8 tiles", () => {
  const score = "cosine (output 'features', against the teacher)";
  const report = { ...base, score, int8: { bytes: 600, valAccuracy: 0.97, testAccuracy: 0.975, floatTestAccuracy: 0.98, quantized: 7, fused: 7, floatLayers: 0, activations: 'uint8' as const, epochs: [] } };
  const tiles = Object.fromEntries(summaryTiles({ name: 'run', report }).map((t) => [t.title, t]));
  assert.equal(tiles['Test accuracy'], undefined);
  assert.ok(tiles['Test score']!.detail.endsWith(`(${score})`), tiles['Test score']!.detail);
  assert.match(tiles['int8 student']!.detail, /^test cosine \(output 'features', against the teacher\) 97\.50% in onnxruntime-node \(−0\.50 pts against float\)/);
});
