// Widening channel groups with zero channels (padGroups): the model computes what it computed, every initializer the
// group cuts gets zeros on its axis, and groups that zeros cannot widen are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, narrow, randn, tidy } from '../../src/tensor/index.js';
import { GraphError } from '../../src/graph/index.js';
import { runGraph } from '../../src/exec/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { cuttable, groupWidth, padGroups, paddableMaps } from '../../src/prune/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { randomizeNorms } from './helpers.js';

test('resnet-small at 8/16/32 channels: every group widened to 24/24/40 computes the same outputs, zeros appended on every cut axis', () => {
  manualSeed(3);
  const g = buildZooGraph('resnet-small', { input: [1, 28, 28], classes: 10, widths: [8, 16, 32] });
  randomizeNorms(g);
  const { graph: work, dg } = cuttable(g);
  const widths = new Map(dg.groups.map((gr) => [gr, groupWidth(gr) + 8]));
  assert.ok(dg.groups.every((gr) => paddableMaps(dg, gr) !== null), 'conv/BN/Add groups can take zeros');
  const { graph: p, padding } = padGroups(dg, widths);
  try {
    // each group's conv weights grow on their output axis, the consumers' on their input axis, BN vectors on axis 0
    const conv1 = g.nodes.find((n) => n.opType === 'Conv')!;
    assert.deepEqual(p.initializers.get(conv1.inputs[1]!)!.tensor.shape, [16, 1, 3, 3]);
    assert.ok(padding.some((x) => x.init === conv1.inputs[1] && x.axis === 0 && x.from === 8 && x.to === 16));
    assert.ok(padding.some((x) => x.axis === 1), 'consumers widened on their input channels');
    for (const x of padding) {
      const t = p.initializers.get(x.init)!.tensor;
      assert.equal(t.shape[x.axis], x.to, x.init);
      const appended = tidy(() => (narrow(t, x.axis, x.from, x.to - x.from).data() as Float32Array).every((v) => v === 0));
      assert.ok(appended, `${x.init}: the appended channels are zeros`);
    }
    tidy(() => {
      const x = randn([3, 1, 28, 28]);
      const out = g.outputs[0]!.name;
      assertClose(runGraph(p, { input: x })[out]!, runGraph(work, { input: x })[out]!.toArray(), { atol: 1e-5, rtol: 1e-5, what: 'widened vs original' });
    });
    assert.equal(p.parameterCount() > work.parameterCount(), true);
  } finally {
    p.dispose();
    if (work !== g) work.dispose();
    g.dispose();
  }
});

test('a group that a grouped (depthwise) conv reads cannot be widened: paddableMaps says null and padGroups refuses it', () => {
  const g = buildZooGraph('mobilenetv2-small', { input: [3, 32, 32], classes: 10 });
  const { graph: work, dg } = cuttable(g);
  try {
    const depthwise = dg.groups.filter((gr) => paddableMaps(dg, gr) === null);
    assert.ok(depthwise.length > 0, 'the expansions feed depthwise convs');
    const gr = depthwise[0]!;
    assert.throws(() => padGroups(dg, new Map([[gr, groupWidth(gr) + 8]])), (e: unknown) => e instanceof GraphError && /cannot be widened/.test(e.message));
  } finally {
    if (work !== g) work.dispose();
    g.dispose();
  }
});
