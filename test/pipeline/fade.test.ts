// Fading out (compress --fade next): the channels a step's cut will remove are found on the graph, scaled down to 0
// over a step's updates, and once faded the cut changes nothing the model computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, randn, tidy } from '../../src/tensor/index.js';
import { buildZooGraph, type ZooArch } from '../../src/zoo/index.js';
import { loadOnnx, saveOnnx } from '../../src/onnx/index.js';
import { runGraph } from '../../src/exec/index.js';
import { prune } from '../../src/prune/index.js';
import { fadeChannels, nextCut } from '../../src/pipeline/fade.js';
import { compress } from '../../src/pipeline/compress.js';
import { randomizeNorms } from '../prune/helpers.js';
import { assertClose } from '../helpers/assert-close.js';
import { writeIdxSet } from '../data/fixtures.js';

const inputOf = (arch: ZooArch): [number, number, number] => (arch === 'vgg-small' ? [1, 28, 28] : [3, 32, 32]);

for (const arch of ['vgg-small', 'resnet-small'] as const) {
  test(`${arch}: channels faded to 0 make the cut exact; before the last update they keep (total - t) / total of their size`, () => {
    manualSeed(5);
    const input = inputOf(arch);
    const g = buildZooGraph(arch, { input, classes: 10 });
    randomizeNorms(g);
    const opts = { ratio: 0.5, global: false } as const;
    const slices = nextCut(g, opts);
    assert.ok(slices.length > 0);
    const [s] = slices;
    const before = g.initializers.get(s!.init)!.tensor.toArray();
    const fade = fadeChannels(g, slices, 'cpu');
    const total = 4;
    for (let t = 1; t <= total - 1; t++) fade(t, total);
    // no gradients in between: after 3 of 4 updates every listed value is a quarter of what it was
    const after = g.initializers.get(s!.init)!.tensor.toArray();
    const shape = g.initializers.get(s!.init)!.tensor.shape;
    const stride = shape.slice(s!.axis + 1).reduce((a, b) => a * b, 1);
    const removed = new Set(s!.removed);
    before.forEach((v, i) => {
      const channel = Math.floor(i / stride) % shape[s!.axis]!;
      assert.ok(Math.abs(after[i]! - (removed.has(channel) ? v / 4 : v)) < 1e-6, `${s!.init}[${i}]`);
    });
    fade(total, total);
    const cut = prune(g, opts);
    try {
      assert.deepEqual(nextCut(g, opts).map((x) => x.removed), slices.map((x) => x.removed), 'the cut removes the faded channels');
      tidy(() => {
        const x = randn([2, ...input]);
        const out = g.outputs[0]!.name;
        const a = runGraph(g, { [g.inputs[0]!.name]: x })[out]!;
        const b = runGraph(cut.graph, { [cut.graph.inputs[0]!.name]: x })[out]!;
        assertClose(b, a.toArray(), { atol: 1e-4, rtol: 1e-4, what: 'cut vs faded' });
      });
    } finally {
      cut.graph.dispose();
      g.dispose();
    }
  });
}

test('compress --fade next: each step but the last leaves a student that the next cut does not change', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'whittle-fade-data-'));
  writeIdxSet(dataDir, { train: 500, test: 100, h: 12, w: 12, classes: 10 });
  manualSeed(0);
  const teacher = join(mkdtempSync(join(tmpdir(), 'whittle-fade-')), 'teacher.onnx');
  const t = buildZooGraph('vgg-small', { input: [1, 12, 12], classes: 10 });
  await saveOnnx(t, teacher);
  t.dispose();
  const quick = { teacher, data: `idx:${dataDir}`, valSize: 100, batchSize: 100, epochsPerStep: 1, threads: 2, allocation: 'uniform', fade: 'next' } as const;
  const out = join(mkdtempSync(join(tmpdir(), 'whittle-fade-')), 'run');
  const r = await compress({ ...quick, out, ratios: [0.5, 0.5] });
  assert.equal(r.config.fade, 'next');
  const step1 = loadOnnx(join(out, 'step-1', 'student.onnx'));
  const step2 = loadOnnx(join(out, 'step-2', 'student.onnx'));
  try {
    for (const [g, faded] of [[step1, true], [step2, false]] as const) {
      const cut = prune(g, { ratio: 0.5, global: false });
      tidy(() => {
        const x = randn([4, 1, 12, 12]);
        const a = runGraph(g, { [g.inputs[0]!.name]: x })[g.outputs[0]!.name]!.toArray();
        const b = runGraph(cut.graph, { [cut.graph.inputs[0]!.name]: x })[cut.graph.outputs[0]!.name]!.toArray();
        const diff = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
        if (faded) assert.ok(diff < 1e-4, `step 1's student changed by ${diff} when cut`);
        else assert.ok(diff > 1e-3, 'the last step fades nothing');
      });
      cut.graph.dispose();
    }
  } finally {
    step1.dispose();
    step2.dispose();
  }
  const one = await compress({ ...quick, out: join(mkdtempSync(join(tmpdir(), 'whittle-fade-')), 'run'), ratios: [0.5, 0.5], mode: 'oneshot' });
  assert.equal(one.config.fade, 'off', 'oneshot has no next step to fade for');
});
