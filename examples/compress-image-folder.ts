// Compress a teacher exported from PyTorch on an image-folder dataset (one sub-folder per class, here with train/
// and test/ splits). The teacher is image-folder/teacher.onnx, which image-folder/export_teacher.py trained and
// exported with torch.onnx.export; the images are made by image-folder/make-images.ts (the same ones the teacher
// was trained on). QUICK=1 runs one epoch per step (what CI runs).
//   node dist/examples/compress-image-folder.js [run-folder]
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compress, evaluate, inspect, loadOnnx, openDataset } from 'whittle-nn';
import { makeImages } from './image-folder/make-images.js';

const quick = process.env['QUICK'] === '1';
const work = mkdtempSync(join(tmpdir(), 'whittle-example-'));
const out = process.argv[2] ?? join(work, 'run');
const teacher = fileURLToPath(new URL('../../examples/image-folder/teacher.onnx', import.meta.url));

const data = `folder:${await makeImages(join(work, 'stripes'))}`;
const ds = await openDataset(data, { imageSize: 32 });
console.log(`${data}: classes ${ds.classes.join(', ')}; train ${ds.train.indices.length}, val ${ds.val.indices.length}, test ${ds.test.indices.length}`);
console.log(`teacher: ${inspect(teacher).params} params`);

const report = await compress({
  teacher, data, imageSize: 32, out,
  ratios: [0.5, 0.6], metric: 'macs', epochsPerStep: quick ? 1 : 4, batchSize: 32, optimizer: 'adamw',
  onEvent: (e) => { if (e.type === 'step-end') console.log(`step ${e.step}: ${e.report.macs} MACs, test accuracy ${(100 * e.report.testAccuracy).toFixed(1)}%`); },
});
console.log(`student: ${(100 * report.final.macsRatio).toFixed(1)}% of the teacher's MACs, test accuracy ${(100 * report.final.testAccuracy).toFixed(1)}% (teacher ${(100 * report.teacher.testAccuracy).toFixed(1)}%)`);

// What CI checks: the student exists, the MAC schedule (0.5 * 0.6 = 0.3) was met, and it evaluates the same.
assert.ok(existsSync(join(out, 'student.onnx')));
assert.ok(Math.abs(report.final.macsRatio - 0.3) <= 0.3 * 0.02, `MACs ratio ${report.final.macsRatio}`);
const student = loadOnnx(join(out, 'student.onnx'));
try {
  const e = await evaluate(student, ds, { latency: false });
  assert.equal(e.macs, report.final.macs);
  assert.ok(Math.abs(e.accuracy - report.final.testAccuracy) < 1e-6);
} finally {
  student.dispose();
}
