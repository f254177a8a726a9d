// The pruner's policy options and its errors: roundTo, uniform allocation, ignored nodes, reductions, bad input,
// the input graph left unchanged, and the speed of analysis plus surgery on resnet56.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keep, liveTensors, manualSeed, randint, randn, tidy } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { ConfigError } from '../../src/errors.js';
import { analyzeGroups, applyPlan, channelWidths, groupWidth, prune, type PruneOptions } from '../../src/prune/index.js';
import { assertEquivalent, randomizeNorms } from './helpers.js';

const spec = { input: [3, 32, 32] as const, classes: 10 };

test('roundTo 8: every group keeps a multiple of 8 channels (or all), and the conv widths follow', () => {
  manualSeed(1);
  const g = buildZooGraph('resnet20', spec);
  for (const metric of ['params', 'macs'] as const) {
    const r = prune(g, { ratio: 0.5, metric, roundTo: 8 });
    assert.ok(Math.abs(r.achievedRatio - 0.5) <= 0.005, `achieved ${r.achievedRatio}`);
    for (const gr of r.groups) assert.ok(gr.kept % 8 === 0 || gr.kept === gr.total, `${gr.name} keeps ${gr.kept}`);
    for (const n of r.graph.nodes) if (n.opType === 'Conv') assert.equal(r.graph.initializers.get(n.inputs[1]!)!.tensor.shape[0]! % 8, 0, n.name);
    r.graph.dispose();
  }
  g.dispose();
});

test('coarse steps (roundTo 8 on vgg-small and resnet-small) still land within 1% of 0.25 of the MACs', () => {
  for (const arch of ['vgg-small', 'resnet-small'] as const) {
    for (const input of [[1, 28, 28], [3, 32, 32]] as const) {
      manualSeed(0);
      const g = buildZooGraph(arch, { input, classes: 10 });
      for (const global of [true, false]) {
        const what = `${arch} ${input.join('x')} ${global ? 'global' : 'uniform'}`;
        const r = prune(g, { ratio: 0.25, metric: 'macs', roundTo: 8, global });
        assert.ok(Math.abs(r.achievedRatio - 0.25) <= 0.0025, `${what}: achieved ${r.achievedRatio}`);
        for (const gr of r.groups) assert.ok(gr.kept % 8 === 0 || gr.kept === gr.total, `${what}: ${gr.name} keeps ${gr.kept}`);
        assertEquivalent(r, input, g);
        // Uniform stays as even as the steps allow: resnet-small at 1x28x28 is exactly half of every group.
        if (!global && arch === 'resnet-small' && input[0] === 1) assert.deepEqual(r.groups.map((x) => x.kept / x.total), r.groups.map(() => 0.5), what);
        r.graph.dispose();
      }
      g.dispose();
    }
  }
});

test('uniform allocation keeps about the same fraction of every group; minChannels is respected', () => {
  manualSeed(2);
  const g = buildZooGraph('vgg-small', { input: [1, 28, 28], classes: 10 });
  const r = prune(g, { ratio: 0.25, global: false, minChannels: 4 });
  assert.ok(Math.abs(r.achievedRatio - 0.25) <= 0.0025);
  const fractions = r.groups.map((x) => x.kept / x.total);
  assert.ok(Math.max(...fractions) - Math.min(...fractions) < 0.2, `fractions ${fractions.join(', ')}`);
  for (const x of r.groups) assert.ok(x.kept >= 4);
  r.graph.dispose();
  g.dispose();
});

test('referenceWidths: three uniform 0.5 steps at roundTo 8 keep the same fraction of the first widths, where the current widths let rounding pile up', () => {
  manualSeed(0);
  const first = buildZooGraph('resnet-small', { input: [1, 28, 28], classes: 10 });
  const widths = Object.fromEntries(analyzeGroups(first).groups.map((gr) => [gr.name, groupWidth(gr)]));
  const spread = (reference: boolean): number => {
    let g = first.clone();
    for (let step = 0; step < 3; step++) {
      const r = prune(g, { ratio: 0.5, global: false, roundTo: 8, ...(reference ? { referenceWidths: widths } : {}) });
      assert.ok(Math.abs(r.achievedRatio - 0.5) <= 0.005, `step ${step + 1}: achieved ${r.achievedRatio}`);
      g.dispose();
      g = r.graph;
    }
    const kept = analyzeGroups(g).groups.map((gr) => groupWidth(gr) / widths[gr.name]!);
    g.dispose();
    return Math.max(...kept) / Math.min(...kept);
  };
  const [current, reference] = [spread(false), spread(true)];
  assert.ok(reference <= 2 && current >= 4, `largest over smallest kept fraction of the first widths: current ${current}, reference ${reference}`);
  // a reference equal to the current widths is the default
  const a = prune(first, { ratio: 0.3, global: false, roundTo: 8 });
  const b = prune(first, { ratio: 0.3, global: false, roundTo: 8, referenceWidths: widths });
  assert.deepEqual(a.groups.map((x) => x.kept), b.groups.map((x) => x.kept));
  a.graph.dispose();
  b.graph.dispose();
  assert.throws(() => prune(first, { ratio: 0.5, global: false, referenceWidths: { conv1: 0 } }), (e: unknown) => e instanceof ConfigError && /referenceWidths: widths must be positive numbers, got conv1: 0/.test(e.message));
  first.dispose();
});

test('widths: each named group keeps exactly that many of its best channels, so widths read off a pruned graph give that graph again', () => {
  manualSeed(2);
  const g = buildZooGraph('resnet-small', { input: [1, 28, 28], classes: 10 });
  randomizeNorms(g);
  const solved = prune(g, { ratio: 0.2, global: true, criterion: 'l2' });
  const widths = channelWidths(solved.graph);
  assert.deepEqual(Object.keys(widths), solved.groups.map((gr) => gr.name));
  const given = prune(g, { widths, criterion: 'l2' });
  try {
    assert.deepEqual(given.groups.map((gr) => gr.kept), solved.groups.map((gr) => gr.kept));
    assert.deepEqual(Array.from(given.plan.kept), Array.from(solved.plan.kept), 'the same channels: the best-scored of each group');
    assert.equal(given.achievedRatio, solved.achievedRatio);
    assertEquivalent(given, [1, 28, 28], g);
    // a group not named keeps all its channels
    const [name, w] = Object.entries(widths)[0]!;
    const one = prune(g, { widths: { [name]: w } });
    assert.deepEqual(one.groups.map((gr) => gr.kept), one.groups.map((gr) => (gr.name === name ? w : gr.total)));
    one.graph.dispose();
  } finally {
    for (const m of [solved.graph, given.graph, g]) m.dispose();
  }
});

test('minWidths: with a ratio, each named group keeps at least that many channels, and the ratio is still met', () => {
  manualSeed(4);
  const g = buildZooGraph('resnet-small', { input: [1, 28, 28], classes: 10 });
  randomizeNorms(g);
  const free = prune(g, { ratio: 0.3, global: true, roundTo: 4 });
  // floors above where the free solution went in two groups, below it elsewhere
  const floors = Object.fromEntries(free.groups.map((gr, i) => [gr.name, i < 2 ? Math.min(gr.total, gr.kept + 4) : 4]));
  for (const global of [true, false]) {
    const held = prune(g, { ratio: 0.3, global, roundTo: 4, minWidths: floors });
    try {
      for (const gr of held.groups) assert.ok(gr.kept >= floors[gr.name]!, `${gr.name}: kept ${gr.kept} < ${floors[gr.name]}`);
      assert.ok(Math.abs(held.achievedRatio - 0.3) <= 0.003, `global ${global}: ratio ${held.achievedRatio}`);
      assertEquivalent(held, [1, 28, 28], g);
    } finally {
      held.graph.dispose();
    }
  }
  free.graph.dispose();
  const first = free.groups[0]!.name;
  const bad: [PruneOptions, RegExp][] = [
    [{ ratio: 0.3, minWidths: { nope: 4 } }, /^minWidths: no channel group named 'nope' \(the groups: /],
    [{ ratio: 0.3, minWidths: { [first]: 0 } }, new RegExp(`^minWidths: widths must be whole numbers >= 1, got ${first}: 0$`)],
    [{ widths: { [first]: 4 }, minWidths: { [first]: 4 } } as unknown as PruneOptions, /^minWidths: goes with a ratio, and the widths are given$/],
    [{ ratio: 0.05, minWidths: Object.fromEntries(free.groups.map((gr) => [gr.name, gr.total])) }, /^ratio: 0.05 of the params cannot be reached: the smallest reachable ratio is 1\.0000 under the constraints \(minChannels 1, roundTo 1, the widths to keep,/],
  ];
  for (const [o, msg] of bad) assert.throws(() => prune(g, o), (e: unknown) => e instanceof ConfigError && msg.test(e.message), JSON.stringify(o));
  g.dispose();
});

test('reductions sum, mean and max all give valid prunings; ignored nodes keep every channel', () => {
  manualSeed(3);
  const g = buildZooGraph('resnet-small', spec);
  randomizeNorms(g);
  for (const reduction of ['sum', 'mean', 'max'] as const) {
    const r = prune(g, { ratio: 0.5, reduction, ignore: ['layer1.0.conv1', 'layer3.1.conv1'] });
    assert.equal(r.removed['layer1.0.conv1'], undefined);
    assert.equal(r.removed['layer3.1.conv1'], undefined);
    assert.ok(r.untouched.some((u) => u.node === 'layer1.0.conv1' && /ignored/.test(u.reason)));
    assertEquivalent(r, spec.input, g);
    r.graph.dispose();
  }
  g.dispose();
});

test('the input graph is unchanged, ratio 1 keeps everything, and no tensor leaks', () => {
  const g = buildZooGraph('lenet5', { input: [1, 28, 28], classes: 10 });
  const live = liveTensors();
  const batch = tidy(() => ({ x: keep(randn([4, 1, 28, 28])), y: keep(randint(10, [4])) }));
  for (const criterion of ['l1', 'fpgm', 'taylor'] as const) prune(g, { ratio: 0.5, criterion, batches: () => [batch] }).graph.dispose();
  batch.x.dispose();
  batch.y.dispose();
  assert.equal(liveTensors(), live, 'live tensors after prune + dispose');
  assert.ok(g.parameters().every((p) => p.requiresGrad && p.grad === null), 'taylor leaves parameters as they were');
  const before = [...g.initializers].map(([k, v]) => [k, v.tensor.shape.join('x'), v.tensor.toArray().slice(0, 3).join(',')].join(':'));
  const r = prune(g, { ratio: 0.5, metric: 'macs' });
  const after = [...g.initializers].map(([k, v]) => [k, v.tensor.shape.join('x'), v.tensor.toArray().slice(0, 3).join(',')].join(':'));
  assert.deepEqual(after, before);
  r.graph.dispose();
  const full = prune(g, { ratio: 1 });
  assert.equal(full.achievedRatio, 1);
  assert.deepEqual(full.removed, {});
  full.graph.dispose();
  g.dispose();
});

test('bad options throw ConfigError naming the option', () => {
  const g = buildZooGraph('mlp', { input: [1, 8, 8], classes: 4 });
  const firstGroup = analyzeGroups(g).groups[0]!.name;
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ ratio: 0 }, /^ratio: must be in \(0, 1\], got 0$/],
    [{ ratio: 1.5 }, /^ratio: must be in \(0, 1\], got 1.5$/],
    [{ ratio: Number.NaN }, /^ratio: must be in \(0, 1\]/],
    [{ ratio: 0.5, criterion: 'l3' }, /^criterion: unknown criterion 'l3' \(expected one of l1, l2, bn-scale, taylor, fpgm, random, activation\)$/],
    [{ ratio: 0.5, metric: 'flops' }, /^metric: unknown metric 'flops'/],
    [{ ratio: 0.5, ignore: ['nope', '1'] }, /^ignore: unknown node name 'nope'$/],
    [{ ratio: 0.5, criterion: 'taylor' }, /^batches: criterion 'taylor' needs data/],
    [{ ratio: 0.5, roundTo: 0 }, /^roundTo: must be a positive integer, got 0$/],
    [{ ratio: 0.5, minChannels: 0 }, /^minChannels: must be an integer >= 1/],
    [{ ratio: 0.5, reduction: 'median' }, /^reduction: unknown reduction 'median'/],
    [{ ratio: 0.5, criterion: 'bn-scale' }, /^criterion: 'bn-scale' needs a BatchNormalization in every group, but 2 group\(s\) have none/],
    [{ widths: { nope: 2 } }, /^widths: no channel group named 'nope' \(the groups: /],
    [{ widths: { [firstGroup]: 0 } }, new RegExp(`^widths: group '${firstGroup}' has \\d+ channels and cannot keep 0$`)],
    [{ widths: { [firstGroup]: 1.5 } }, /cannot keep 1.5$/],
    [{ widths: {}, ratio: 0.5 }, /^widths: cannot be combined with a ratio$/],
    [{ ratio: 0.001, minChannels: 64 }, /^ratio: 0.001 of the params cannot be reached: the smallest reachable ratio is 0\.\d{4}/],
  ];
  for (const [o, msg] of bad) {
    assert.throws(() => prune(g, o as unknown as PruneOptions), (e: unknown) => e instanceof ConfigError && e.code === 'E_CONFIG' && msg.test(e.message), JSON.stringify(o));
  }
  g.dispose();
});

test('resnet56: 30 groups, and surgery keeps every group at least one unit (timed in bench/prune-time.bench.ts)', () => {
  const g = buildZooGraph('resnet56', spec);
  const dg = analyzeGroups(g);
  const kept = new Uint8Array(dg.unitCount).map((_, i) => (i % 2 ? 1 : 0));
  for (const gr of dg.groups) kept[gr.units[0]!] = 1;
  const pruned = applyPlan({ dg, kept });
  assert.equal(dg.groups.length, 30);
  assert.ok(pruned.parameterCount() < g.parameterCount());
  pruned.dispose();
  g.dispose();
});
