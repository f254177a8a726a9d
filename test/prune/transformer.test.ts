// Issue 34 on the transformer exports of test/fixtures/wild (nn.MultiheadAttention in torchvision's ViT and in a
// text TransformerEncoder, opsets 13 and 17, fixed batch; with WHITTLE_WILD_DIR set, as scripts/check-wild-models.sh
// sets it, the dynamic-batch exports there too): the analysis finds the heads, the MLP widths and the embedding width;
// pruning by heads or by dims to 0.5 and 0.25 of params and MACs lands within 1%, computes what the original
// computes with the removed heads, dims and channels zeroed (1e-4), and runs in onnxruntime to the same output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy } from '../../src/data/npy.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { inferShapes } from '../../src/exec/index.js';
import { tensor, type Tensor } from '../../src/tensor/index.js';
import { ConfigError } from '../../src/errors.js';
import { analyzeGroups, prune } from '../../src/prune/index.js';
import { checkPruned } from './check-pruned.js';
import { packageRoot } from '../helpers/fixtures.js';

const wild = join(packageRoot(), 'test', 'fixtures', 'wild');
const VARIANTS = ['vit-op13-fixed', 'vit-op17-fixed', 'text_transformer-op13-fixed', 'text_transformer-op17-fixed'];
// the dynamic-batch exports too, where scripts/check-wild-models.sh (or gen-wild-models.py) wrote them
const generated = process.env['WHITTLE_WILD_DIR'];
const DYNAMIC = generated ? ['vit-op13-dynamic', 'vit-op17-dynamic', 'text_transformer-op13-dynamic', 'text_transformer-op17-dynamic'].filter((d) => existsSync(join(generated, d, 'model.onnx'))) : [];
const folder = (dir: string): string => join(VARIANTS.includes(dir) ? wild : generated!, dir);

/** The variant's batch-3 input as a tensor (float images or int64 token ids). */
function input(dir: string): Tensor {
  const a = parseNpy(readFileSync(join(folder(dir), 'x3.npy')), 'x3.npy');
  return a.data instanceof Float32Array ? tensor(a.data, a.shape, 'float32') : tensor(Array.from(a.data as ArrayLike<number | bigint>, Number), a.shape, 'int64');
}

for (const dir of [...VARIANTS, ...DYNAMIC]) {
  test(`${dir}: the groups are the heads and MLP of every layer and the embedding width`, () => {
    const g = loadOnnx(join(folder(dir), 'model.onnx'));
    try {
      const layers = 2;
      const heads = analyzeGroups(g).groups;
      assert.deepEqual(heads.map((gr) => gr.kind).sort(), ['embedding', ...Array<string>(layers).fill('heads'), ...Array<string>(layers).fill('mlp')].sort());
      const h = heads.find((gr) => gr.kind === 'heads')!;
      assert.equal(h.units.length, 4);
      const dims = analyzeGroups(g, { attention: 'dims' }).groups.filter((gr) => gr.kind === 'head-dims');
      assert.equal(dims.length, layers);
      assert.equal(dims[0]!.units.length, h.unitSize, 'one unit per dim of a head');
      assert.equal(dims[0]!.unitSize, 4, 'a dim unit spans the 4 heads');
      const off = analyzeGroups(g, { pruneEmbedding: false });
      assert.ok(!off.groups.some((gr) => gr.kind === 'embedding'));
      assert.ok(off.untouched.some((u) => /embedding width/.test(u.reason)), JSON.stringify(off.untouched));
    } finally {
      g.dispose();
    }
  });

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
              const att = r.groups.filter((gr) => gr.kind === (attention === 'heads' ? 'heads' : 'head-dims'));
              assert.equal(att.length, 2);
              if (ratio === 0.25) assert.ok(att.some((gr) => gr.kept < gr.total), `no ${attention} removed: ${JSON.stringify(r.groups.map((gr) => [gr.kind, gr.kept, gr.total]))}`);
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

test('vit: roundTo applies to MLP and embedding widths, never to the count of heads; the embedding can stay whole', async () => {
  const g = loadOnnx(join(wild, 'vit-op13-fixed', 'model.onnx'));
  const x = input('vit-op13-fixed');
  try {
    const r = prune(g, { ratio: 0.25, metric: 'macs', roundTo: 8 });
    try {
      for (const gr of r.groups) if (gr.kind !== 'heads') assert.ok(gr.kept % 8 === 0 || gr.kept === gr.total, `${gr.name}: ${gr.kept}`);
      assert.ok(r.groups.some((gr) => gr.kind === 'heads' && gr.kept < gr.total && gr.kept % 8 !== 0), JSON.stringify(r.groups.map((gr) => [gr.kind, gr.kept])));
      await checkPruned(r, g, x);
    } finally {
      r.graph.dispose();
    }
    const s = prune(g, { ratio: 0.5, pruneEmbedding: false });
    try {
      assert.ok(!s.groups.some((gr) => gr.kind === 'embedding'));
      assert.equal(s.graph.initializers.get(g.nodes.find((n) => n.opType === 'Conv')!.inputs[1]!)!.tensor.shape[0], 32, 'the patch embedding keeps its width');
      await checkPruned(s, g, x);
    } finally {
      s.graph.dispose();
    }
  } finally {
    x.dispose();
    g.dispose();
  }
});

test('attention asked of a model without it: a ConfigError on attention', () => {
  const g = loadOnnx(join(wild, 'lenet-op13-fixed', 'model.onnx'));
  try {
    assert.throws(() => prune(g, { ratio: 0.5, attention: 'heads' }), (e: unknown) => e instanceof ConfigError && e.path === 'attention' && /no multi-head attention/.test(e.message));
  } finally {
    g.dispose();
  }
});

test('a clone that carries its valueInfo counts the attention products at their batch-1 size (the MACs compress solves for)', () => {
  const g = loadOnnx(join(wild, 'vit-op13-fixed', 'model.onnx'));
  inferShapes(g);
  const c = g.clone();
  try {
    const r = prune(c, { ratio: 0.25, metric: 'macs', attention: 'dims' });
    try {
      assert.equal(r.macs.before, 1_704_384);
      assert.ok(Math.abs(r.achievedRatio - 0.25) <= 0.0025, String(r.achievedRatio));
    } finally {
      r.graph.dispose();
    }
  } finally {
    c.dispose();
    g.dispose();
  }
});
