// Pruning exactness on real models (issue 5): each torchvision architecture from scripts/gen-torchvision-models.py,
// pruned to 0.5 and 0.25 of its params and of its MACs, lands within 1% of the target (or says why not), and the
// pruned model runs in onnxruntime-node with the original's output shape. Runs only when WHITTLE_MODELS_DIR names
// the generated folder (`bash scripts/check-models.sh`), so `npm test` skips it at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadOnnx, toOnnxBytes } from '../../src/onnx/index.js';
import { prune } from '../../src/prune/index.js';
import { ConfigError } from '../../src/errors.js';

const DIR = process.env['WHITTLE_MODELS_DIR'];
const MODELS = [
  'resnet18', 'resnet50', 'mobilenet_v2', 'mobilenet_v3_small', 'vgg11_bn', 'squeezenet1_1', 'shufflenet_v2_x1_0',
  'densenet121', 'mnasnet1_0', 'efficientnet_b0', 'regnet_x_400mf', 'googlenet', 'convnext_tiny',
];

for (const name of MODELS) {
  test(`${name}: pruned to 0.5 and 0.25 of params and MACs within 1%, runs in onnxruntime`, async (t) => {
    if (!DIR) return t.skip('set WHITTLE_MODELS_DIR (bash scripts/check-models.sh)');
    const path = join(DIR, name, 'model.onnx');
    if (!existsSync(path)) return t.skip(`${path} not generated`);
    const meta = JSON.parse(readFileSync(join(DIR, name, 'meta.json'), 'utf8')) as { input_shape: number[]; output_shape: number[] };
    const g = loadOnnx(path, { inputShapes: [[1, ...meta.input_shape.slice(1)]] });
    const rows: string[] = [];
    try {
      for (const metric of ['params', 'macs'] as const) {
        for (const ratio of [0.5, 0.25]) {
          let r;
          try {
            r = prune(g, { ratio, metric });
          } catch (e) {
            // an unreachable ratio must say so (with the reachable bound), never prune wrongly
            assert.ok(e instanceof ConfigError && /cannot be reached/.test(e.message), `${name} ${metric} ${ratio}: ${(e as Error).message}`);
            rows.push(`${metric} ${ratio}: ${(e as Error).message}`);
            continue;
          }
          try {
            assert.ok(Math.abs(r.achievedRatio - ratio) <= 0.01 * ratio, `${name} ${metric} ${ratio}: achieved ${r.achievedRatio}`);
            const session = await ort.InferenceSession.create(toOnnxBytes(r.graph));
            const n = meta.input_shape.slice(1).reduce((a, b) => a * b, 1);
            const x = new ort.Tensor('float32', new Float32Array(n).fill(0.1), [1, ...meta.input_shape.slice(1)]);
            const y = (await session.run({ [session.inputNames[0]!]: x }))[session.outputNames[0]!]!;
            assert.deepEqual([...y.dims].slice(1), meta.output_shape.slice(1), `${name} ${metric} ${ratio}: output shape`);
            await session.release();
            rows.push(`${metric} ${ratio}: achieved ${r.achievedRatio.toFixed(4)}, ${r.groups.length} groups, ${r.untouched.length} untouched`);
          } finally {
            r.graph.dispose();
          }
        }
      }
    } finally {
      g.dispose();
    }
    t.diagnostic(`${name}: ${rows.join('; ')}`);
  });
}
