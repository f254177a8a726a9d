// Compress the shipped MNIST teacher to a quarter of its parameters in two prune-and-distil steps, with a progress
// callback. QUICK=1 trains on 4096 images for one epoch per step (what CI runs); without it, on 20000 for two.
//   node dist/examples/compress-mnist.js [run-folder]
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compress, type CompressEvent } from 'whittle-nn';

const quick = process.env['QUICK'] === '1';
const teacher = fileURLToPath(new URL('../../teachers/vgg-small-mnist.onnx', import.meta.url));
const out = process.argv[2] ?? join(mkdtempSync(join(tmpdir(), 'whittle-example-')), 'run');

function progress(e: CompressEvent): void {
  switch (e.type) {
    case 'teacher': console.log(`teacher: ${e.params} params, test accuracy ${(100 * e.testAccuracy).toFixed(2)}%`); break;
    case 'step-start': console.log(`step ${e.step}/${e.of}: prune to ${e.targetRatio}`); break;
    case 'epoch-end': console.log(`  epoch ${e.epoch}: loss ${e.trainLoss.toFixed(4)}, val accuracy ${(100 * e.valAccuracy).toFixed(2)}%`); break;
    case 'step-end': console.log(`  step ${e.step} done: ${e.report.params} params, test accuracy ${(100 * e.report.testAccuracy).toFixed(2)}%`); break;
    default: break;
  }
}

const report = await compress({
  teacher,
  data: 'mnist',
  ratios: [0.5, 0.5],
  epochsPerStep: quick ? 1 : 2,
  trainSubset: quick ? 4096 : 20000,
  valSize: 1000,
  augment: 'off',
  out,
  onEvent: progress,
});
console.log(`${out}: student has ${(100 * report.final.paramsRatio).toFixed(1)}% of the teacher's parameters, test accuracy ${(100 * report.final.testAccuracy).toFixed(2)}%`);

// What CI checks: the run folder holds the student and the report, and the schedule was met.
for (const f of ['student.onnx', 'report.json', 'report.html', 'step-1/student.onnx', 'step-2/metrics.json']) assert.ok(existsSync(join(out, f)), f);
assert.equal(report.steps.length, 2);
assert.ok(Math.abs(report.final.paramsRatio - 0.25) <= 0.0025 * 2, `params ratio ${report.final.paramsRatio}`);
assert.ok(report.final.testAccuracy > 0.5, `test accuracy ${report.final.testAccuracy}`);
