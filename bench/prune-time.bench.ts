// Group analysis plus surgery time (issue 5: under 2 s for resnet50; issue 34: under 1 s for swin_t), best of 3:
// resnet56 from the zoo, resnet50 when WHITTLE_MODELS_DIR holds the torchvision models (bash scripts/check-models.sh
// makes them), swin_t (fixed and dynamic batch) when WHITTLE_WILD_DIR holds them (scripts/gen-wild-models.py).
// Usage: [WHITTLE_MODELS_DIR=...] [WHITTLE_WILD_DIR=/tmp/whittle-wild] node dist/bench/prune-time.bench.js
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph } from '../src/graph/index.js';
import { loadOnnx } from '../src/onnx/index.js';
import { buildZooGraph } from '../src/zoo/index.js';
import { analyzeGroups, applyPlan, prune } from '../src/prune/index.js';

function time(name: string, g: Graph): void {
  const r = prune(g, { ratio: 0.5 });
  r.graph.dispose();
  let best = Infinity;
  const rows: string[] = [];
  for (let k = 0; k < 3; k++) {
    const t0 = process.hrtime.bigint();
    const dg = analyzeGroups(g);
    const t1 = process.hrtime.bigint();
    applyPlan({ dg, kept: r.plan.kept }).dispose();
    const t2 = process.hrtime.bigint();
    const [a, s] = [Number(t1 - t0) / 1e9, Number(t2 - t1) / 1e9];
    best = Math.min(best, a + s);
    rows.push(`analysis ${a.toFixed(3)} s + surgery ${s.toFixed(3)} s`);
  }
  const kinds = r.groups.reduce<Record<string, number>>((m, gr) => ({ ...m, [gr.kind]: (m[gr.kind] ?? 0) + 1 }), {});
  console.log(`${name}: best ${best.toFixed(3)} s (${rows.join('; ')}); ${r.groups.length} groups ${JSON.stringify(kinds)}`);
  console.log(JSON.stringify({ bench: 'prune-time', model: name, bestSeconds: best, groups: r.groups.length }));
}

const zoo = buildZooGraph('resnet56', { input: [3, 32, 32], classes: 10 });
time('resnet56', zoo);
zoo.dispose();
const dir = process.env['WHITTLE_MODELS_DIR'];
const path = dir ? join(dir, 'resnet50', 'model.onnx') : '';
if (dir && existsSync(path)) {
  const meta = JSON.parse(readFileSync(join(dir, 'resnet50', 'meta.json'), 'utf8')) as { input_shape: number[] };
  const g = loadOnnx(path, { inputShapes: [[1, ...meta.input_shape.slice(1)]] });
  time('resnet50', g);
  g.dispose();
} else {
  console.log('resnet50: skipped (set WHITTLE_MODELS_DIR; bash scripts/check-models.sh generates the models)');
}
const wild = process.env['WHITTLE_WILD_DIR'];
for (const variant of ['swin_t-op17-fixed', 'swin_t-op17-dynamic']) {
  const file = wild ? join(wild, variant, 'model.onnx') : '';
  if (!wild || !existsSync(file)) {
    console.log(`${variant}: skipped (set WHITTLE_WILD_DIR; scripts/gen-wild-models.py --models swin_t generates it)`);
    continue;
  }
  const g = loadOnnx(file);
  time(variant, g);
  g.dispose();
}
