// Pruning exactness on real models (issues 5 and 34): each torchvision architecture from
// scripts/gen-torchvision-models.py, in its dynamic-batch export and in its fixed-batch one (batch 1 baked in, as
// torch.onnx.export writes by default), pruned to 0.5 and 0.25 of its params and of its MACs, lands within 1% of the
// target, and the pruned model runs in onnxruntime-node with the original's output shape (the fixed-batch file's
// student at batch 2); at 0.25 of the MACs its output in onnxruntime equals whittle's
// run of the original with the removed channels zeroed (and LayerNorm statistics over the kept channels,
// convnext_tiny). Group analysis plus surgery of resnet50 is timed by bench/prune-time.bench.ts. Runs only when WHITTLE_MODELS_DIR names
// the generated folder (`bash scripts/check-models.sh`), so `npm test` skips it at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadOnnx, toOnnxBytes } from '../../src/onnx/index.js';
import { prune, zeroRemovedChannels, type PruneResult } from '../../src/prune/index.js';
import { runGraph } from '../../src/exec/index.js';
import { keep, manualSeed, randn, tidy } from '../../src/tensor/index.js';
import { assertClose } from '../helpers/assert-close.js';

const DIR = process.env['WHITTLE_MODELS_DIR'];
const MODELS = [
  'resnet18', 'resnet50', 'mobilenet_v2', 'mobilenet_v3_small', 'vgg11_bn', 'squeezenet1_1', 'shufflenet_v2_x1_0',
  'densenet121', 'mnasnet1_0', 'efficientnet_b0', 'regnet_x_400mf', 'googlenet', 'convnext_tiny',
];
type Meta = { input_shape: number[]; output_shape: number[] };
const metaOf = (name: string): Meta => JSON.parse(readFileSync(join(DIR!, name, 'meta.json'), 'utf8')) as Meta;

/** Runs the pruned graph in onnxruntime at `batch`; checks the output shape, and (when `exact`) the zeroed original. */
async function runPruned(name: string, r: PruneResult, meta: Meta, exact: boolean, batch: number): Promise<void> {
  const session = await ort.InferenceSession.create(toOnnxBytes(r.graph));
  try {
    const shape = [batch, ...meta.input_shape.slice(1)];
    manualSeed(5);
    const x = keep(randn(shape));
    const zeroed = exact ? zeroRemovedChannels(r.plan) : null;
    try {
      const y = (await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(x.toArray() as number[]), shape) }))[session.outputNames[0]!]!;
      assert.deepEqual([...y.dims], [batch, ...meta.output_shape.slice(1)], `${name}: output shape at batch ${batch}`);
      if (!zeroed) return;
      const want = tidy(() => runGraph(zeroed, { [zeroed.inputs[0]!.name]: x })[zeroed.outputs[0]!.name]!.toArray() as number[]);
      assertClose(Array.from(y.data as Float32Array), want, { atol: 1e-3, rtol: 1e-3, what: `${name}: pruned (onnxruntime) vs zeroed original (whittle)` });
    } finally {
      zeroed?.dispose();
      x.dispose();
    }
  } finally {
    await session.release();
  }
}

/**
 * model.onnx (dynamic batch, loaded at batch 1) and model-fixed.onnx (the exporter's default: batch 1 baked in,
 * which the import frees: its pruned student runs at batch 2 in onnxruntime).
 */
const VARIANTS = [['model.onnx', 'dynamic batch', 1], ['model-fixed.onnx', 'fixed-batch export', 2]] as const;

for (const name of MODELS) {
  for (const [file, what, batch] of VARIANTS) {
    test(`${name} (${what}): pruned to 0.5 and 0.25 of params and MACs within 1%, runs in onnxruntime at batch ${batch}`, async (t) => {
      if (!DIR) return t.skip('set WHITTLE_MODELS_DIR (bash scripts/check-models.sh)');
      const path = join(DIR, name, file);
      if (!existsSync(path)) return t.skip(`${path} not generated`);
      const meta = metaOf(name);
      const g = file === 'model.onnx' ? loadOnnx(path, { inputShapes: [[1, ...meta.input_shape.slice(1)]] }) : loadOnnx(path);
      const rows: string[] = [];
      try {
        if (file !== 'model.onnx') assert.equal(g.inputs[0]!.shape?.[0], 'N', `${name}: the fixed batch is freed at import`);
        for (const metric of ['params', 'macs'] as const) {
          for (const ratio of [0.5, 0.25]) {
            const r = prune(g, { ratio, metric });
            try {
              assert.ok(Math.abs(r.achievedRatio - ratio) <= 0.01 * ratio, `${name} ${metric} ${ratio}: achieved ${r.achievedRatio}`);
              await runPruned(name, r, meta, metric === 'macs' && ratio === 0.25, batch);
              rows.push(`${metric} ${ratio}: achieved ${r.achievedRatio.toFixed(4)}, ${r.groups.length} groups, ${r.untouched.length} untouched`);
            } finally {
              r.graph.dispose();
            }
          }
        }
      } finally {
        g.dispose();
      }
      t.diagnostic(`${name} (${what}): ${rows.join('; ')}`);
    });
  }
}
