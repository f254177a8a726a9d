// Issue 34 on torchvision's Swin Transformer (test/fixtures/wild/swin_tiny-op17-fixed: swin_t's blocks at a fixture's
// size, two stages of shifted 4x4 windows joined by patch merging; with WHITTLE_WILD_DIR set, as
// scripts/check-wild-models.sh sets it, the other swin_tiny exports there too, dynamic batch included, and the full
// swin_t at 64x64): the window
// attention's packed qkv (Reshape to (3, H, D), Transpose, Gather), its relative position bias (a per-head table
// added to the scores) and its shifted-window mask (added between Reshapes of the scores) are proven, so every block's
// heads, MLP width and each stage's embedding width are groups; pruning by heads or dims to 0.5 and 0.25 of params and
// MACs lands within 1%, computes what the original computes with the removed units zeroed (1e-4), and onnxruntime
// runs it to the same output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy } from '../../src/data/npy.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { tensor, type Tensor } from '../../src/tensor/index.js';
import { analyzeGroups, prune } from '../../src/prune/index.js';
import { packageRoot } from '../helpers/fixtures.js';
import { checkPruned } from './check-pruned.js';

const wild = join(packageRoot(), 'test', 'fixtures', 'wild');
const FIXED = 'swin_tiny-op17-fixed';
const generated = process.env['WHITTLE_WILD_DIR'];
const OTHERS = generated ? ['swin_tiny-op13-fixed', 'swin_tiny-op13-dynamic', 'swin_tiny-op17-dynamic'].filter((d) => existsSync(join(generated, d, 'model.onnx'))) : [];
const folder = (dir: string): string => join(dir === FIXED ? wild : generated!, dir);
const FULL = generated ? ['swin_t-op17-fixed', 'swin_t-op17-dynamic'].filter((d) => existsSync(join(generated, d, 'model.onnx'))) : [];

function input(dir: string): Tensor {
  const a = parseNpy(readFileSync(join(folder(dir), 'x3.npy')), 'x3.npy');
  return tensor(a.data as Float32Array, a.shape, 'float32');
}

for (const dir of [FIXED, ...OTHERS]) {
  test(`${dir}: every block's heads and MLP, each stage's embedding width; relative position bias cut by head`, () => {
    const g = loadOnnx(join(folder(dir), 'model.onnx'));
    try {
      const dg = analyzeGroups(g);
      const kinds = dg.groups.map((gr) => `${gr.kind} ${gr.units.length}`).sort();
      // stages of 2 and 4 heads (16 and 32 wide), two blocks each, MLP ratio 4
      assert.deepEqual(kinds, ['embedding 16', 'embedding 32', 'heads 2', 'heads 2', 'heads 4', 'heads 4', 'mlp 128', 'mlp 128', 'mlp 64', 'mlp 64']);
      assert.ok(!dg.untouched.some((u) => /attention left whole/.test(u.reason)), JSON.stringify(dg.untouched));
      // the bias tables [1, H, N, N] of the four blocks are cut on their head axis
      const tables = dg.cuts.filter((c) => c.role === 'constant' && g.initializers.get(c.init)?.tensor.shape.length === 4);
      assert.equal(tables.length, 4);
      assert.ok(tables.every((c) => c.axis === 1));
      const dims = analyzeGroups(g, { attention: 'dims' }).groups.filter((gr) => gr.kind === 'head-dims');
      assert.deepEqual(dims.map((gr) => [gr.units.length, gr.unitSize]), [[8, 2], [8, 2], [8, 4], [8, 4]]);
    } finally {
      g.dispose();
    }
  });

  checkRatios(dir, 4);
}

for (const dir of FULL) {
  test(`${dir}: the heads and MLP of its 12 blocks and the embedding width of its 4 stages`, () => {
    const g = loadOnnx(join(folder(dir), 'model.onnx'));
    try {
      const count = (kind: string): number => analyzeGroups(g).groups.filter((gr) => gr.kind === kind).length;
      assert.deepEqual([count('heads'), count('mlp'), count('embedding')], [12, 12, 4]);
    } finally {
      g.dispose();
    }
  });
  checkRatios(dir, 12);
}

/** Pruned by heads and by dims to 0.5 and 0.25 of params and MACs: within 1%, exact against zeroing, onnxruntime. */
function checkRatios(dir: string, blocks: number): void {
  for (const attention of ['heads', 'dims'] as const) {
    test(`${dir}, ${attention}: 0.5 and 0.25 of params and MACs within 1%, exact against zeroing, runs in onnxruntime`, async () => {
      const g = loadOnnx(join(folder(dir), 'model.onnx'));
      const x = input(dir);
      try {
        for (const metric of ['params', 'macs'] as const) {
          for (const ratio of [0.5, 0.25]) {
            const r = prune(g, { ratio, metric, attention });
            try {
              assert.ok(Math.abs(r.achievedRatio - ratio) <= 0.01 * ratio, `${metric} ${ratio}: achieved ${r.achievedRatio}`);
              const kind = attention === 'heads' ? 'heads' : 'head-dims';
              assert.equal(r.groups.filter((gr) => gr.kind === kind).length, blocks);
              if (ratio === 0.25) assert.ok(r.groups.some((gr) => gr.kind === kind && gr.kept < gr.total), `no ${attention} removed: ${JSON.stringify(r.groups.map((gr) => [gr.kind, gr.kept, gr.total]))}`);
              await checkPruned(r, g, x);
            } finally {
              r.graph.dispose();
            }
          }
        }
      } finally {
        x.dispose();
        g.dispose();
      }
    });
  }
}
