// Soft cuts (compress --fade-epochs): the channels a step's cut removes are faded to 0 over its first epochs while
// the whole student trains, then cut; once faded, the cut changes nothing the student computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, randn, tidy } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { loadOnnx, saveOnnx } from '../../src/onnx/index.js';
import { runGraph } from '../../src/exec/index.js';
import { openDataset } from '../../src/data/index.js';
import { evaluateShared } from '../../src/distill/index.js';
import { prune, removedSlices } from '../../src/prune/index.js';
import { cutAsPlanned, fadeChannels } from '../../src/pipeline/fade.js';
import { compress } from '../../src/pipeline/compress.js';
import { datasetSettings } from '../../src/pipeline/run-config.js';
import { datasetOptions } from '../../src/pipeline/dataset-options.js';
import { ConfigError } from '../../src/errors.js';
import { randomizeNorms } from '../prune/helpers.js';
import { assertClose } from '../helpers/assert-close.js';
import { writeIdxSet } from '../data/fixtures.js';

for (const [arch, input] of [['vgg-small', [1, 28, 28]], ['resnet-small', [3, 32, 32]]] as const) {
  test(`${arch}: faded channels fall linearly, are then held at 0, and the planned cut of the faded graph computes the same`, () => {
    manualSeed(5);
    const g = buildZooGraph(arch, { input: [...input], classes: 10 });
    randomizeNorms(g);
    const r = prune(g, { ratio: 0.5, global: false });
    const slices = removedSlices(r.plan);
    assert.ok(slices.length > 0);
    const [s] = slices;
    const values = (): number[] => g.initializers.get(s!.init)!.tensor.toArray();
    const before = values();
    const shape = g.initializers.get(s!.init)!.tensor.shape;
    const stride = shape.slice(s!.axis + 1).reduce((a, b) => a * b, 1);
    const removed = new Set(s!.removed);
    const expect = (scale: number, what: string): void => {
      const now = values();
      before.forEach((v, i) => {
        const faded = removed.has(Math.floor(i / stride) % shape[s!.axis]!);
        assert.ok(Math.abs(now[i]! - (faded ? v * scale : v)) < 1e-6, `${what}: ${s!.init}[${i}]`);
      });
    };
    // 8 updates, fading over the first 6 (0.75); with no gradients in between the faded values are (6 - t) / 6 of
    // what they were after update t, then 0
    const fade = fadeChannels(g, slices, 0.75, 'cpu');
    for (let t = 1; t <= 2; t++) fade(t, 8);
    expect(4 / 6, 'after 2 of 6 fading updates');
    for (let t = 3; t <= 8; t++) fade(t, 8);
    expect(0, 'after the fade');
    const cut = cutAsPlanned(g, r.plan.kept);
    try {
      assert.equal(cut.parameterCount(), r.params.after, 'the planned cut of the trained graph has the plan size');
      tidy(() => {
        const x = randn([2, ...input]);
        const a = runGraph(g, { [g.inputs[0]!.name]: x })[g.outputs[0]!.name]!;
        const b = runGraph(cut, { [cut.inputs[0]!.name]: x })[cut.outputs[0]!.name]!;
        assertClose(b, a.toArray(), { atol: 1e-4, rtol: 1e-4, what: 'cut vs faded' });
      });
      assert.throws(() => cutAsPlanned(g, r.plan.kept.slice(1)), /channel units/);
    } finally {
      cut.dispose();
      r.graph.dispose();
      g.dispose();
    }
  });
}

test('compress --fade-epochs: each step trains the uncut student, cuts it at the end to the planned size, and reports what the cut student scores', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'whittle-fade-data-'));
  writeIdxSet(dataDir, { train: 500, test: 100, h: 12, w: 12, classes: 10 });
  manualSeed(0);
  const teacher = join(mkdtempSync(join(tmpdir(), 'whittle-fade-')), 'teacher.onnx');
  const t = buildZooGraph('vgg-small', { input: [1, 12, 12], classes: 10 });
  await saveOnnx(t, teacher);
  t.dispose();
  const quick = { teacher, data: `idx:${dataDir}`, valSize: 100, batchSize: 100, epochsPerStep: 2, threads: 2, fadeEpochs: 1.5 } as const;
  const newRun = (): string => join(mkdtempSync(join(tmpdir(), 'whittle-fade-')), 'run');
  const out = newRun();
  const r = await compress({ ...quick, out, ratios: [0.5, 0.5] });
  assert.equal(r.config.fadeEpochs, 1.5);
  const ds = await openDataset(r.config.data, datasetOptions(datasetSettings(r.config)));
  for (const s of r.steps) {
    assert.ok(Math.abs(s.achievedRatio - 0.5) <= 0.005, `achieved ${s.achievedRatio}`);
    assert.equal(s.epochs.length, 2);
    // the fade ends in epoch 2: selection keeps epoch 2 (what the cut student computes)
    assert.equal(s.valAccuracy, s.epochs[1]!.valAccuracy);
    const student = loadOnnx(join(out, `step-${s.step}`, 'student.onnx'));
    try {
      assert.equal(student.parameterCount(), s.params);
      assert.equal((await evaluateShared(student, ds, 'val', 'cpu')).accuracy, s.valAccuracy, `step ${s.step}: the cut student scores what its uncut, faded self did`);
    } finally {
      student.dispose();
    }
  }
  const one = await compress({ ...quick, out: newRun(), ratios: [0.5, 0.5], mode: 'oneshot' });
  assert.equal(one.steps[0]!.epochs.length, 4);
  await assert.rejects(compress({ ...quick, out: newRun(), ratios: [0.5, 0.5], epochsPerStep: [2, 1] }),
    (e: unknown) => e instanceof ConfigError && /fadeEpochs: 1.5 is more than step 2's 1 epochs/.test(e.message));
});
