// Issue 34 where its two halves meet: the data criteria (activation, Minitron's mean |activation|, and taylor) on the
// head, head-dim, MLP and embedding groups of the wild ViT and text-transformer exports. A head's score adds up its D
// channels in each of Q, K and V; --round-to applies to every width but the count of heads; the cut computes what the
// original computes with the removed units zeroed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy } from '../../src/data/npy.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { runGraph } from '../../src/exec/index.js';
import { abs, keep, mean, randint, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { analyzeGroups, IMPORTANCE, prune, zeroRemovedChannels } from '../../src/prune/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { packageRoot } from '../helpers/fixtures.js';

const wild = join(packageRoot(), 'test', 'fixtures', 'wild');
const VARIANTS = ['vit-op13-fixed', 'text_transformer-op17-fixed'];

/** The variant's batch-3 input with random labels for its classes. */
function batch(dir: string, classes: number): { x: Tensor; y: Tensor } {
  const a = parseNpy(readFileSync(join(wild, dir, 'x3.npy')), 'x3.npy');
  const x = a.data instanceof Float32Array ? tensor(a.data, a.shape, 'float32') : tensor(Array.from(a.data as ArrayLike<number | bigint>, Number), a.shape, 'int64');
  return { x, y: tidy(() => keep(randint(classes, [a.shape[0]!]))) };
}

for (const dir of VARIANTS) {
  test(`${dir}: criterion activation scores a head as the mean |activation| of its D channels in Q, K and V together`, () => {
    const g = loadOnnx(join(wild, dir, 'model.onnx'));
    const b = batch(dir, g.outputs[0]!.shape![1] as number);
    try {
      const dg = analyzeGroups(g);
      const scores = IMPORTANCE.activation(dg, { reduction: 'sum', batches: () => [b] });
      const heads = dg.groups.filter((gr) => gr.kind === 'heads');
      assert.equal(heads.length, 2);
      for (const gr of heads) {
        assert.equal(gr.sources.length, 1, 'one packed [E, 3E] projection');
        const src = dg.sources.find((s) => s.node === gr.sources[0])!;
        const [H, D] = [gr.units.length, gr.unitSize];
        const e = H * D;
        assert.equal(src.size, 3 * e);
        const per = tidy(() => {
          const a = runGraph(g, { [g.inputs[0]!.name]: b.x }, { extraOutputs: [src.value] })[src.value]!;
          return mean(abs(a), [0, 1]).toArray();
        });
        const want = Array.from({ length: H }, (_, h) => [0, 1, 2].reduce((sum, p) => sum + per.slice(p * e + h * D, p * e + (h + 1) * D).reduce((q, v) => q + v, 0), 0));
        const got = Array.from({ length: H }, (_, h) => scores[dg.unitOf[src.base + h * D]!]!);
        const avg = want.reduce((p, q) => p + q, 0) / H;
        assertClose(got, want.map((w) => w / avg), { atol: 1e-5, rtol: 1e-4, what: `${gr.name}: normalised head scores` });
      }
    } finally {
      b.x.dispose();
      b.y.dispose();
      g.dispose();
    }
  });

  for (const attention of ['heads', 'dims'] as const) {
    test(`${dir}, ${attention}: criteria activation and taylor with --round-to 2 cut to 0.25 of MACs within 1%, exact against zeroing`, () => {
      const g = loadOnnx(join(wild, dir, 'model.onnx'));
      const b = batch(dir, g.outputs[0]!.shape![1] as number);
      const [inp, out] = [g.inputs[0]!.name, g.outputs[0]!.name];
      try {
        for (const criterion of ['activation', 'taylor'] as const) {
          const r = prune(g, { ratio: 0.25, metric: 'macs', attention, criterion, roundTo: 2, batches: () => [b] });
          const zeroed = zeroRemovedChannels(r.plan);
          try {
            assert.ok(Math.abs(r.achievedRatio - 0.25) <= 0.0025, `${criterion}: achieved ${r.achievedRatio}`);
            assert.deepEqual(new Set(r.groups.map((gr) => gr.kind)), new Set([attention === 'heads' ? 'heads' : 'head-dims', 'mlp', 'embedding']));
            for (const gr of r.groups) if (gr.kind !== 'heads') assert.ok(gr.kept % 2 === 0 || gr.kept === gr.total, `${criterion} ${gr.kind} ${gr.kept} / ${gr.total}`);
            tidy(() => {
              const a = runGraph(r.graph, { [inp]: b.x })[out]!;
              assertClose(a, runGraph(zeroed, { [inp]: b.x })[out]!.toArray(), { atol: 1e-4, rtol: 1e-4, what: `${criterion}: pruned vs zeroed original` });
            });
          } finally {
            zeroed.dispose();
            r.graph.dispose();
          }
        }
      } finally {
        b.x.dispose();
        b.y.dispose();
        g.dispose();
      }
    });
  }
}
