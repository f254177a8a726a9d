// Prune an ONNX file to half its parameters and write the result.
//   node dist/examples/prune-onnx.js [model.onnx] [out.onnx]
// Without arguments it prunes the vgg-small MNIST teacher this package ships.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect, loadOnnx, prune, saveOnnx } from 'whittle-nn';

const input = process.argv[2] ?? fileURLToPath(new URL('../../teachers/vgg-small-mnist.onnx', import.meta.url));
const output = process.argv[3] ?? join(mkdtempSync(join(tmpdir(), 'whittle-example-')), 'pruned.onnx');

const model = loadOnnx(input);
try {
  const before = inspect(model);
  console.log(`${input}: ${before.params} params, ${before.macs ?? '?'} MACs, ${before.groups?.length ?? 0} prunable groups`);
  const r = await prune(model, { ratio: 0.5, metric: 'params', criterion: 'l1' });
  try {
    await saveOnnx(r.model, output);
  } finally {
    r.model.dispose();
  }
  console.log(`wrote ${output}: ${r.params.before} -> ${r.params.after} params (ratio ${r.achievedRatio.toFixed(4)}), MACs ${r.macs.before} -> ${r.macs.after}`);

  // What CI checks: the file exists, the ratio is met within 1%, and the file reads back with the reported size.
  assert.ok(existsSync(output));
  assert.ok(Math.abs(r.achievedRatio - 0.5) <= 0.005, `ratio ${r.achievedRatio}`);
  assert.equal(inspect(output).params, r.params.after);
  assert.equal(inspect(model).params, before.params, 'the input model is left unchanged');
} finally {
  model.dispose();
}
