// Soft cuts (compress --fade-epochs): the channels a step's cut removes are faded to 0 over its first epochs while
// the whole student trains, then cut; once faded, the cut changes nothing the student computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed, noGrad, randn, tidy } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { runGraph } from '../../src/exec/index.js';
import { openDataset } from '../../src/data/index.js';
import { FeatureDistiller, evaluateShared } from '../../src/distill/index.js';
import { prune, removedSlices } from '../../src/prune/index.js';
import { cutAsPlanned, cutOptimizerState, fadeChannels, keptChannelsAsPlanned } from '../../src/pipeline/fade.js';
import { compress, type CompressEvent } from '../../src/pipeline/compress.js';
import type { CompressReport } from '../../src/pipeline/report.js';
import type { Checkpoint } from '../../src/pipeline/checkpoint.js';
import { AbortedError } from '../../src/distill/index.js';
import { datasetSettings } from '../../src/pipeline/run-config.js';
import { datasetOptions } from '../../src/pipeline/dataset-options.js';
import { ConfigError } from '../../src/errors.js';
import { randomizeNorms } from '../prune/helpers.js';
import { assertClose } from '../helpers/assert-close.js';
import { newRun, smallIdxData, vggTeacherFile } from './fixtures.js';

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
      // optimizer state is cut like its parameter: state that equals the parameters (every other one) cuts to the cut's
      const params = g.parameters();
      const tensors = Object.fromEntries(params.flatMap((p, i) => (i % 2 ? [] : [[`buf.${i}`, p]])));
      const state = cutOptimizerState({ step: 3, tensors }, g, r.plan.kept);
      assert.equal(state.step, 3);
      assert.deepEqual(Object.keys(state.tensors), Object.keys(tensors));
      cut.parameters().forEach((p, i) => {
        if (i % 2 === 0) assert.deepEqual(state.tensors[`buf.${i}`]!.toArray(), p.toArray(), `buf.${i}`);
      });
      for (const t of Object.values(state.tensors)) t.dispose();
    } finally {
      cut.dispose();
      r.graph.dispose();
      g.dispose();
    }
  });
}

for (const arch of ['vgg-small', 'resnet-small'] as const) {
  test(`${arch}: hint adapters are cut with the student, so once faded the hint loss is the same before and after the cut, and so is their optimizer state`, async () => {
    manualSeed(6);
    const ds = await openDataset('mnist', { trainSubset: 600, valSize: 100, seed: 0 });
    const teacher = buildZooGraph(arch, { input: [1, 28, 28], classes: 10 });
    randomizeNorms(teacher);
    const g = teacher.clone();
    const r = prune(g, { ratio: 0.5, global: false });
    fadeChannels(g, removedSlices(r.plan), 1, 'cpu')(1, 1); // one update fading over one: the removed channels are 0
    const fd = FeatureDistiller.create(teacher, g, ds, { pairs: 'auto', weight: 1, device: 'cpu', seed: 0, batches: 1, batchSize: 64 });
    const cut = cutAsPlanned(g, r.plan.kept);
    try {
      const x = randn([8, 1, 28, 28]);
      const hintLoss = (student: typeof g): number => noGrad(() => tidy(() => {
        const t = runGraph(teacher, { [teacher.inputs[0]!.name]: x }, { extraOutputs: fd.pairs.map((p) => p.teacher) });
        const s = runGraph(student, { [student.inputs[0]!.name]: x }, { extraOutputs: fd.studentValues });
        return fd.hintLoss(s, t).item();
      }));
      const before = hintLoss(g);
      const kept = keptChannelsAsPlanned(g, r.plan.kept, fd.studentValues);
      const widths = fd.parameters().filter((_, k) => k % 2 === 0).map((w) => w.shape[1]!);
      assert.ok(kept.some((k, i) => k !== null && k.length < widths[i]!), `some hint value loses channels: ${kept.map((k, i) => `${k?.length ?? 'all'} of ${widths[i]}`).join(', ')}`);
      // state equal to the adapters (SGD's buf after the graph's P parameters) cuts to the cut adapters
      const P = g.parameters().length;
      const state = cutOptimizerState({ step: 1, tensors: Object.fromEntries(fd.parameters().map((t, k) => [`buf.${P + k}`, t])) }, g, r.plan.kept, [], fd.cutters(kept));
      fd.cut(kept);
      fd.parameters().forEach((t, k) => {
        assert.ok(t.requiresGrad, `adapter tensor ${k} is trained`);
        assert.deepEqual(state.tensors[`buf.${P + k}`]!.toArray(), t.toArray(), `buf.${P + k}`);
      });
      for (const t of Object.values(state.tensors)) t.dispose();
      assertClose(hintLoss(cut), before, { atol: 1e-5, rtol: 1e-4, what: 'hint loss after the cut vs before' });
      assert.throws(() => cutOptimizerState({ step: 1, tensors: { [`buf.${P}`]: x } }, g, r.plan.kept), /belongs to no parameter/);
      x.dispose();
    } finally {
      fd.dispose();
      for (const m of [cut, r.graph, g, teacher]) m.dispose();
    }
  });
}

test('compress --fade-epochs: each step fades on the uncut student, cuts it to the planned size once the fade is over, and reports what the cut student scores', async () => {
  const quick = { teacher: await vggTeacherFile(), data: smallIdxData(), valSize: 100, batchSize: 100, epochsPerStep: 3, threads: 2, fadeEpochs: 1.5 } as const;
  const out = newRun();
  const r = await compress({ ...quick, out, ratios: [0.5, 0.5] });
  assert.equal(r.config.fadeEpochs, 1.5);
  const ds = await openDataset(r.config.data, datasetOptions(datasetSettings(r.config)));
  for (const s of r.steps) {
    assert.ok(Math.abs(s.achievedRatio - 0.5) <= 0.005, `achieved ${s.achievedRatio}`);
    assert.equal(s.epochs.length, 3);
    // the fade ends in epoch 2, where the student is cut: selection keeps epoch 2 or 3, both scored cut
    assert.equal(s.valAccuracy, Math.max(s.epochs[1]!.valAccuracy, s.epochs[2]!.valAccuracy));
    const student = loadOnnx(join(out, `step-${s.step}`, 'student.onnx'));
    try {
      assert.equal(student.parameterCount(), s.params);
      assert.ok(student.metadata['whittle.preprocess'] && student.metadata['whittle.labels'], 'the cut student keeps its metadata');
      assert.equal((await evaluateShared(student, ds, 'val', 'cpu')).accuracy, s.valAccuracy, `step ${s.step}: the cut student scores what its uncut, faded self did`);
    } finally {
      student.dispose();
    }
  }
  const one = await compress({ ...quick, out: newRun(), ratios: [0.5, 0.5], mode: 'oneshot' });
  assert.equal(one.steps[0]!.epochs.length, 6);
  await assert.rejects(compress({ ...quick, out: newRun(), ratios: [0.5, 0.5], epochsPerStep: [2, 1] }),
    (e: unknown) => e instanceof ConfigError && /fadeEpochs: 1.5 is more than step 2's 1 epochs/.test(e.message));
  // with hints: the adapters are cut with the student at the fade's end, and training goes on through them
  // (weight 0.1: an untrained teacher's maps make the weight-1 term diverge at this learning rate, fade or not)
  const hinted = await compress({ ...quick, out: newRun(), ratios: [0.5], featureDistill: 'auto', hintWeight: 0.1 });
  assert.equal(hinted.steps[0]!.stopped, undefined);
  assert.equal(hinted.steps[0]!.epochs.length, 3);
  assert.ok(hinted.steps[0]!.hints!.length > 0, 'the hint pairs are reported');
  assert.ok(Math.abs(hinted.steps[0]!.achievedRatio - 0.5) <= 0.005);
  assert.equal(hinted.config.teacherCache, false);
});

for (const [what, hints] of [['', {}], [' (with hints: their adapters are cut too)', { featureDistill: 'auto', hintWeight: 0.1 }]] as const) {
  test(`a soft cut stopped before and after its cut resumes to the same metrics; its checkpoints hold the uncut, then the cut student${what}`, async () => {
    const teacher = await vggTeacherFile();
    const t = loadOnnx(teacher);
    const teacherParams = t.parameterCount();
    t.dispose();
    const settings = { teacher, data: smallIdxData(), valSize: 100, batchSize: 100, epochsPerStep: 4, threads: 2, fadeEpochs: 1.5, ratios: [0.5], ...hints } as const;
    const metrics = (r: CompressReport): unknown => r.steps.map(({ seconds: _s, imagesPerSec: _i, ...rest }) => rest);
    const reference = await compress({ ...settings, out: newRun() });
    const out = newRun();
    // stop in epoch 2 (the checkpoint of epoch 1: uncut, mid-fade), 3 (of epoch 2: faded, the cut made on resume)
    // and 4 (of epoch 3: cut)
    const heldParams: number[] = [];
    for (const [k, epoch] of [[0, 2], [1, 3], [2, 4]] as const) {
      const stop = new AbortController();
      const onEvent = (e: CompressEvent): void => {
        if (e.type === 'batch' && e.epoch === epoch) stop.abort();
      };
      await assert.rejects(compress({ ...(k === 0 ? { ...settings, out } : { resume: out }), onEvent, signal: stop.signal }), AbortedError);
      const cp = JSON.parse(readFileSync(join(out, 'checkpoint.json'), 'utf8')) as Checkpoint;
      assert.equal(cp.current!.epochs.length, epoch - 1);
      assert.equal(cp.current!.fade !== undefined, epoch <= 3, 'the fade is recorded until the cut');
      const g = loadOnnx(join(out, cp.current!.dir, 'student.onnx'));
      heldParams.push(g.parameterCount());
      g.dispose();
    }
    const r = await compress({ resume: out });
    assert.deepEqual(metrics(r), metrics(reference));
    assert.deepEqual(heldParams, [teacherParams, teacherParams, r.steps[0]!.params]);
  });
}
