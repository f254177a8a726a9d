// Make a teacher from an ONNX file's architecture: train it from scratch (init 'fresh': every layer starts as a new
// PyTorch layer does; BatchNorm the export folded is re-inserted for training and folded back), then fine-tune the
// result's own weights (init 'keep') for an epoch more at a lower rate. Any untrained export works, e.g. from
// `torch.onnx.export(torchvision.models.mobilenet_v3_small(num_classes=10).eval(), ...)`; without an argument it
// uses the architecture of the Fashion-MNIST teacher this package ships (its weights are dropped). QUICK=1 trains
// on 4096 images (what CI runs); without it, on all of them.
//   node dist/examples/teacher-from-onnx.js [model.onnx] [out.onnx]
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, inspect, loadOnnx, openDataset, trainTeacher, type TrainTeacherEvent } from 'whittle-nn';

const quick = process.env['QUICK'] === '1';
const architecture = process.argv[2] ?? fileURLToPath(new URL('../../teachers/vgg-small-fashion-mnist.onnx', import.meta.url));
const out = process.argv[3] ?? join(mkdtempSync(join(tmpdir(), 'whittle-example-')), 'teacher.onnx');
const data = 'fashion-mnist';
const subset = quick ? { trainSubset: 4096, valSize: 512 } : {};

function progress(e: TrainTeacherEvent): void {
  if (e.type === 'prepared') console.log(`  BatchNorm inserted after ${e.batchNormInserted} convs, ${e.untied.length} shared tensors untied`);
  if (e.type === 'epoch-end') console.log(`  epoch ${e.epoch}: loss ${e.trainLoss.toFixed(4)}, val accuracy ${(100 * e.valAccuracy).toFixed(2)}%`);
}

console.log(`${architecture}: from scratch`);
// no random augmentation and a one-cycle schedule: what fits fastest on a budget of a few epochs
const scratch = await trainTeacher({
  model: architecture, init: 'fresh', data, epochs: quick ? 2 : 6, augment: 'off', schedule: 'onecycle', lr: 0.1, ...subset, onEvent: progress,
});
const test = await openDataset(data); // its test split, read once for every evaluation below
const first = await evaluate(scratch, test, { latency: false });
console.log(`  test accuracy ${(100 * first.accuracy).toFixed(2)}%`);

console.log('fine-tuned from its own weights');
const tuned = await trainTeacher({ model: scratch, init: 'keep', data, epochs: 1, lr: 0.01, augment: 'off', ...subset, out, onEvent: progress });
const second = await evaluate(tuned, test, { latency: false });
console.log(`wrote ${out}: ${inspect(out).params} params, test accuracy ${(100 * second.accuracy).toFixed(2)}%`);

// What CI checks: the architecture learnt from scratch, the file written is the model returned, its caller's copy unchanged.
assert.ok(first.accuracy > 0.6, `from scratch: ${first.accuracy}`);
const written = loadOnnx(out);
assert.equal((await evaluate(written, test, { latency: false })).accuracy, second.accuracy);
written.dispose();
assert.equal((await evaluate(scratch, test, { latency: false })).accuracy, first.accuracy, 'trainTeacher copies a model it is given');
assert.equal(inspect(out).params, inspect(architecture).params, 'the same architecture');
scratch.dispose();
tuned.dispose();
