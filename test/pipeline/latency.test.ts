// --metric latency: the NetAdapt-style table, the allocation against it and the correction loop that lands a
// student within 5% of its target. The solver is checked on a deterministic meter (latency a fixed function of the
// graph), so nothing here depends on the machine's speed; one real run in onnxruntime-node is checked loosely.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed } from '../../src/tensor/index.js';
import { countMacs } from '../../src/exec/index.js';
import type { Graph } from '../../src/graph/index.js';
import { buildZooGraph, type ZooArch } from '../../src/zoo/index.js';
import { analyzeGroups, channelWidths, LatencyCost, predictLatency } from '../../src/prune/index.js';
import { LATENCY_TOLERANCE, measureLatencyTable, monotoneDeltas, pruneToLatency, type LatencyMeter } from '../../src/pipeline/latency.js';
import type { CompressReport } from '../../src/pipeline/report.js';
import { runCli } from '../cli/run-cli.js';
import { newRun, smallIdxData, zooTeacherFile } from './fixtures.js';

/** Latency as a fixed function of the graph: a cost per node (the overhead that does not shrink with channels) and
 * per MAC, so that cutting two neighbouring groups saves less than the sum of cutting each (their product term). */
const fakeMs = (g: Graph): number => 0.004 * g.nodes.length + 2e-7 * countMacs(g).total;
const fakeMeter: LatencyMeter = { key: 'fake', time: async (models) => models.map(fakeMs) };

function model(arch: ZooArch): Graph {
  manualSeed(0);
  return buildZooGraph(arch, { input: [1, 28, 28], classes: 10 });
}

test('the latency table holds each group cut alone at every multiple of roundTo, and predicts the whole model', async () => {
  const g = model('vgg-small');
  try {
    const table = await measureLatencyTable(g, fakeMeter, { roundTo: 8, ignore: [] });
    assert.equal(table.baseMs, fakeMs(g));
    const widths = channelWidths(g);
    for (const [name, total] of Object.entries(widths)) {
      const row = table.groups[name]!;
      assert.deepEqual(row.widths, [...Array.from({ length: total / 8 - 1 }, (_, k) => 8 * (k + 1)), total], name);
      assert.equal(row.deltaMs[row.deltaMs.length - 1], 0);
      assert.ok(row.deltaMs[0]! < 0, `${name}: fewer channels, less time`);
    }
    assert.equal(predictLatency(g, table), table.baseMs, 'the whole model is predicted as measured');
    // one group alone cut is what the table measured
    const dg = analyzeGroups(g);
    const cost = new LatencyCost(dg, table);
    const first = dg.groups[0]!;
    const kept = new Uint8Array(dg.unitCount).fill(1);
    for (const u of first.units.slice(8)) kept[u] = 0;
    cost.reset(kept);
    assert.ok(Math.abs(cost.total() - (table.baseMs + table.groups[first.name]!.deltaMs[0]!)) < 1e-12);
    assert.strictEqual(await measureLatencyTable(g, fakeMeter, { roundTo: 8, ignore: [] }), table, 'measured once per model, meter and roundTo');
  } finally {
    g.dispose();
  }
});

test('timing noise does not make a narrower model look faster: each row of the table is the monotone fit of what was timed', async () => {
  // a step function (no saving below the whole width) timed with noise: one width looks faster, one slower
  const fit = monotoneDeltas([-0.01, 0.005, -0.002, 0]);
  [-0.011, 0, 0, 0].forEach((v, i) => assert.ok(Math.abs(fit[i]! - v) < 1e-12, `${fit}`));
  assert.deepEqual(monotoneDeltas([-3, -2, -1, 0]), [-3, -2, -1, 0], 'a monotone row stays as timed');
  const g = model('vgg-small');
  try {
    // the deterministic meter plus a fixed, non-monotone noise per model
    let k = 0;
    const noisy: LatencyMeter = { key: 'noisy', time: async (models) => models.map((m) => fakeMs(m) + [0, 0.2, -0.15, 0.1][k++ % 4]!) };
    const table = await measureLatencyTable(g, noisy, { roundTo: 8, ignore: [] });
    for (const [name, row] of Object.entries(table.groups)) {
      for (let i = 1; i < row.deltaMs.length; i++) assert.ok(row.deltaMs[i]! >= row.deltaMs[i - 1]! - 1e-12, `${name}: ${row.deltaMs}`);
      assert.equal(row.deltaMs[row.deltaMs.length - 1], 0);
    }
  } finally {
    g.dispose();
  }
});

for (const arch of ['vgg-small', 'resnet-small'] as const) {
  test(`${arch}: each cut lands within 5% of its target latency, though the table's sum misjudges it`, async () => {
    const g = model(arch);
    try {
      const table = await measureLatencyTable(g, fakeMeter, { roundTo: 8, ignore: [] });
      for (const fraction of [0.8, 0.6, 0.4]) {
        const target = fraction * table.baseMs;
        const cut = await pruneToLatency(g, { criterion: 'l1', global: false, roundTo: 8 }, table, target, fakeMeter);
        try {
          assert.equal(cut.measuredMs, fakeMs(cut.result.graph), 'the measured latency is the chosen student\'s');
          assert.ok(Math.abs(cut.measuredMs - target) <= LATENCY_TOLERANCE * target, `${fraction}: ${cut.measuredMs} ms for ${target} ms in ${cut.tries} tries`);
          assert.equal(cut.requestedMs, target);
          for (const grp of cut.result.groups) assert.ok(grp.kept === grp.total || grp.kept % 8 === 0, `${grp.name}: ${grp.kept} is a multiple of 8`);
        } finally {
          cut.result.graph.dispose();
        }
      }
    } finally {
      g.dispose();
    }
  });
}

test('a machine that slows down while a step searches: students timed beside the first one still land within 5%', async () => {
  const g = model('vgg-small');
  try {
    const table = await measureLatencyTable(g, fakeMeter, { roundTo: 8, ignore: [] });
    let load = 1;
    // every timing 15% slower than the one before (alike for the models timed side by side in it), as when other jobs
    // start on a shared machine
    const slowing: LatencyMeter = {
      key: 'slowing',
      time: async (models) => {
        load *= 1.15;
        return models.map((m) => fakeMs(m) * load);
      },
    };
    const target = 0.5 * table.baseMs;
    const cut = await pruneToLatency(g, { criterion: 'l1', global: false, roundTo: 8 }, table, target, slowing, g);
    try {
      const truth = fakeMs(cut.result.graph);
      assert.ok(Math.abs(truth - target) <= LATENCY_TOLERANCE * target, `${truth} ms at the table's load for ${target} ms`);
      assert.ok(Math.abs(cut.measuredMs - truth) <= 1e-9 * truth, 'the measured latency is in the table\'s time frame');
      assert.ok(load > 1.3, 'the machine did slow down during the search');
    } finally {
      cut.result.graph.dispose();
    }
  } finally {
    g.dispose();
  }
});

const DATA = smallIdxData();
const RUN = ['--data', DATA, '--val-size', '100', '--batch-size', '100', '--epochs-per-step', '0', '--threads', '1', '--precision', 'fp32'];

test('compress --metric latency on onnxruntime-node records the requested and measured latency of each step (loose: real timings)', async () => {
  const teacher = await zooTeacherFile('vgg-small', 10, 12);
  const out = newRun();
  const r = runCli(['compress', '--teacher', teacher, ...RUN, '--metric', 'latency', '--ratios', '0.8,0.8', '-o', out, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as CompressReport;
  assert.equal(report.config['roundTo'], 8, 'roundTo defaults to 8 with --metric latency');
  const table = JSON.parse(readFileSync(join(out, 'latency-table.json'), 'utf8')) as { baseMs: number; meter: string };
  assert.match(table.meter, /^onnxruntime-node\/batch 1\/1 thread$/);
  let asked = table.baseMs;
  for (const s of report.steps) {
    asked *= 0.8;
    assert.ok(s.latency, `step ${s.step} reports its latency`);
    assert.ok(Math.abs(s.latency.requestedMs - asked) < 1e-9, 'the step asks for the ratios of the first student\'s latency');
    assert.ok(s.latency.measuredMs > 0 && s.latency.measuredMs < 2 * table.baseMs);
  }
});

test('--target-latency below the smallest allowed student, or an unknown --runtime: one line, exit 2, no run folder', async () => {
  const teacher = await zooTeacherFile('vgg-small', 10, 12);
  const out = newRun();
  const r = runCli(['compress', '--teacher', teacher, ...RUN, '--metric', 'latency', '--target-latency', '0.0001', '--steps', '2', '-o', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /0\.0001 ms cannot be reached: the smallest student allowed .* runs in [0-9.]+ ms on onnxruntime-node/);
  assert.match(r.stderr, /ask for at least [0-9.]+ ms/);
  assert.ok(!existsSync(out));
  const bad = runCli(['compress', '--teacher', teacher, ...RUN, '--metric', 'latency', '--runtime', 'tflite', '--ratios', '0.5', '-o', out]);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /runtime/);
  assert.ok(!existsSync(out));
  const mixed = runCli(['compress', '--teacher', teacher, ...RUN, '--target-latency', '1', '-o', out]);
  assert.equal(mixed.status, 2, mixed.stderr);
  assert.match(mixed.stderr, /needs --metric latency/);
});
