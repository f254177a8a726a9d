// Issue 34 on sequence models: GRU/LSTM hidden units are a group of kind 'hidden' (gate rows of W, R and B, R's
// columns, initial states, both directions, the consumer's columns of Y after the exporter's Transpose/Reshape/
// Gather), Conv1d/Conv3d channels and U-Net skips group as in 2-D. Pruned graphs compute what the original computes
// with the removed units zeroed (to 1e-4, fixed-batch and dynamic exports), land within 1% of 0.5 and 0.25 of params
// and MACs where the model has the steps to, and run in onnxruntime-node with the same output shape.
// Fixtures: test/fixtures/wild (scripts/gen-wild-models.py), test/fixtures/prune-seq (scripts/gen-seq-prune-models.py;
// its gru-op13-dynamic and lstm-op17-dynamic are the model.onnx of those variants of scripts/gen-wild-models.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadOnnx, toOnnxBytes } from '../../src/onnx/index.js';
import { abs, keep, mean, randint, randn, tidy } from '../../src/tensor/index.js';
import { runGraph } from '../../src/exec/index.js';
import type { Graph } from '../../src/graph/index.js';
import { ConfigError } from '../../src/errors.js';
import { analyzeGroups, IMPORTANCE, prune, zeroRemovedChannels, type Metric, type PruneResult } from '../../src/prune/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { packageRoot } from '../helpers/fixtures.js';

const fixtures = join(packageRoot(), 'test', 'fixtures');
const wild = (v: string): string => join(fixtures, 'wild', v, 'model.onnx');
const seq = (v: string): string => join(fixtures, 'prune-seq', `${v}.onnx`);

/** Pruned vs the original with the removed units zeroed, at batch 3; then onnxruntime on the pruned file. */
async function assertEquivalent(g: Graph, r: PruneResult): Promise<void> {
  const shape = g.inputs[0]!.shape!.map((d) => (typeof d === 'number' ? d : 3));
  shape[0] = 3;
  const zeroed = zeroRemovedChannels(r.plan);
  const [inp, out] = [g.inputs[0]!.name, g.outputs[0]!.name];
  let want: number[] = [];
  try {
    tidy(() => {
      const x = randn(shape);
      const a = runGraph(r.graph, { [inp]: x })[out]!;
      const b = runGraph(zeroed, { [inp]: x })[out]!;
      assert.deepEqual(a.shape, runGraph(g, { [inp]: x })[out]!.shape, 'output shape changed');
      assertClose(a, b.toArray(), { atol: 1e-4, rtol: 1e-4, what: 'pruned vs zeroed original' });
      want = a.shape;
    });
  } finally {
    zeroed.dispose();
  }
  const session = await ort.InferenceSession.create(toOnnxBytes(r.graph), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const res = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(shape.reduce((p, q) => p * q, 1)), shape) });
    assert.deepEqual([...res[session.outputNames[0]!]!.dims], want, 'onnxruntime output shape');
  } finally {
    await session.release();
  }
}

for (const [name, path, rnn] of [
  ['gru-op13-fixed', wild('gru-op13-fixed'), '/rnn/GRU'], ['gru-op17-fixed', wild('gru-op17-fixed'), '/rnn/GRU'],
  ['lstm-op13-fixed', wild('lstm-op13-fixed'), '/rnn/LSTM'], ['lstm-op17-fixed', wild('lstm-op17-fixed'), '/rnn/LSTM'],
  ['lstmlast-fixed', seq('lstmlast-fixed'), '/rnn/LSTM'], ['lstmlast-dynamic', seq('lstmlast-dynamic'), '/rnn/LSTM'],
  ['rnnlast-fixed', seq('rnnlast-fixed'), '/rnn/RNN'], ['rnnlast-dynamic', seq('rnnlast-dynamic'), '/rnn/RNN'],
  ['gru-op13-dynamic', seq('gru-op13-dynamic'), '/rnn/GRU'], ['lstm-op17-dynamic', seq('lstm-op17-dynamic'), '/rnn/LSTM'],
] as const) {
  test(`${name}: the hidden units are one group (both directions, Y's consumer included) and cut as zeroing them computes`, async () => {
    const g = loadOnnx(path);
    try {
      const dg = analyzeGroups(g);
      const grp = dg.groups.find((x) => x.name === rnn);
      assert.ok(grp, `a group named ${rnn}: ${dg.groups.map((x) => x.name).join(', ')}`);
      assert.equal(grp.kind, 'hidden');
      assert.ok(grp.members.includes('/fc/Gemm'), `the Linear reading Y or Y_h is in the group: ${grp.members.join(', ')}`);
      const r = prune(g, { widths: { [rnn]: 5 } });
      try {
        const hidden = r.graph.nodes.find((n) => n.name === rnn)!;
        assert.deepEqual(hidden.attrs['hidden_size'], { kind: 'int', value: 5 });
        assert.ok(hidden.inputs.length <= 5, `the zero initial states are dropped: [${hidden.inputs.join(', ')}]`);
        assert.ok(!r.graph.nodes.some((n) => n.opType === 'Expand' || n.opType === 'ConstantOfShape'), 'and the nodes that made them');
        assert.equal(r.groups.find((x) => x.name === rnn)!.kind, 'hidden');
        await assertEquivalent(g, r);
      } finally {
        r.graph.dispose();
      }
    } finally {
      g.dispose();
    }
  });
}

test('the zero initial state is not a parameter: params as PyTorch counts them', () => {
  const g = loadOnnx(wild('gru-op13-fixed'));
  try {
    assert.equal(g.parameterCount(), 1540);
  } finally {
    g.dispose();
  }
});

// Every target each model reaches within 1%, and the ones too coarse for its few channels (the error names the
// closest reachable ratio).
const unreachable: Record<string, string[]> = {
  'conv1d-op13-fixed': ['macs 0.5'], 'conv3d-op17-fixed': ['params 0.5'], 'rnnlast-dynamic': ['macs 0.5', 'macs 0.25'],
};
for (const [name, path] of [
  ['convgru-fixed', seq('convgru-fixed')], ['convgru-dynamic', seq('convgru-dynamic')], ['stacked-fixed', seq('stacked-fixed')],
  ['stacked-dynamic', seq('stacked-dynamic')], ['rnnlast-dynamic', seq('rnnlast-dynamic')],
  ['conv1d-op13-fixed', wild('conv1d-op13-fixed')], ['conv3d-op17-fixed', wild('conv3d-op17-fixed')], ['unet-op13-fixed', wild('unet-op13-fixed')],
] as const) {
  test(`${name}: pruned to 0.5 and 0.25 of params and of MACs within 1%, equivalent to zeroing, runs in onnxruntime`, async () => {
    const g = loadOnnx(path);
    try {
      for (const metric of ['params', 'macs'] as Metric[]) {
        for (const ratio of [0.5, 0.25]) {
          if (unreachable[name]?.includes(`${metric} ${ratio}`)) {
            assert.throws(() => prune(g, { ratio, metric }), (e: unknown) => e instanceof ConfigError && /the closest reachable ratio is 0\.\d+/.test(e.message));
            continue;
          }
          const r = prune(g, { ratio, metric });
          try {
            assert.ok(Math.abs(r.achievedRatio - ratio) <= 0.01 * ratio, `${metric} ${ratio}: achieved ${r.achievedRatio}`);
            const after = metric === 'params' ? r.params.after / r.params.before : r.macs.after / r.macs.before;
            assert.ok(Math.abs(after - ratio) <= 0.01 * ratio, `${metric} ${ratio}: counted ${after}`);
            await assertEquivalent(g, r);
          } finally {
            r.graph.dispose();
          }
        }
      }
    } finally {
      g.dispose();
    }
  });
}

test('convgru: the GRU reads the conv channels, so cutting them cuts the GRU input weights too', () => {
  const g = loadOnnx(seq('convgru-dynamic'));
  try {
    const dg = analyzeGroups(g);
    assert.deepEqual(dg.groups.map((x) => [x.name, x.kind, x.units.length]), [['/conv/Conv', 'channels', 16], ['/rnn/GRU', 'hidden', 24]]);
    assert.ok(dg.groups[0]!.members.includes('/rnn/GRU'));
  } finally {
    g.dispose();
  }
});

test('criterion activation ranks hidden units by mean |Y| (Minitron); taylor probes Y with its batch on axis 2', () => {
  const g = loadOnnx(seq('convgru-dynamic'));
  const batches = tidy(() => [0, 1].map(() => ({ x: keep(randn([4, 16, 6])), y: keep(randint(4, [4])) })));
  try {
    const dg = analyzeGroups(g);
    const scores = IMPORTANCE.activation(dg, { reduction: 'sum', batches: () => batches });
    const gru = dg.groups.find((x) => x.kind === 'hidden')!;
    const y = g.nodes.find((n) => n.opType === 'GRU')!.outputs[0]!;
    const want = new Array<number>(24).fill(0);
    tidy(() => {
      for (const { x } of batches) {
        const v = mean(abs(runGraph(g, { input: x }, { extraOutputs: [y] })[y]!), [0, 1, 2]).toArray();
        v.forEach((a, j) => (want[j]! += a / batches.length));
      }
    });
    const avg = want.reduce((p, q) => p + q, 0) / 24;
    const unitOf = (j: number): number => dg.unitOf[dg.sources.find((s) => s.kind === 'hidden')!.base + j]!;
    assertClose(want.map((_, j) => scores[unitOf(j)]!), want.map((w) => w / avg), { atol: 1e-5, what: 'normalised mean |Y|' });
    assert.equal(gru.units.length, 24);
    for (const criterion of ['activation', 'taylor'] as const) {
      const r = prune(g, { ratio: 0.5, metric: 'macs', criterion, batches: () => batches });
      assert.ok(Math.abs(r.achievedRatio - 0.5) <= 0.005, `${criterion}: ${r.achievedRatio}`);
      r.graph.dispose();
    }
  } finally {
    for (const b of batches) (b.x.dispose(), b.y.dispose());
    g.dispose();
  }
});

test("stacked GRUs: the second layer reads the first layer's [forward | backward] units, its zero state sliced from one tensor is dropped", () => {
  const g = loadOnnx(seq('stacked-dynamic'));
  try {
    const dg = analyzeGroups(g);
    assert.deepEqual(dg.groups.map((x) => [x.name, x.kind]), [['/rnn/GRU', 'hidden'], ['/rnn/GRU_1', 'hidden']]);
    assert.ok(dg.groups[0]!.members.includes('/rnn/GRU_1'), "the first layer's units are the second's input features");
    const r = prune(g, { widths: { '/rnn/GRU': 5, '/rnn/GRU_1': 7 } });
    try {
      assert.deepEqual(r.graph.initializers.get(r.graph.nodes.find((n) => n.name === '/rnn/GRU_1')!.inputs[1]!)!.tensor.shape, [2, 21, 10]);
      assert.ok(!r.graph.nodes.some((n) => n.opType === 'ConstantOfShape' || n.opType === 'Slice'));
    } finally {
      r.graph.dispose();
    }
  } finally {
    g.dispose();
  }
});

test('--round-to applies to hidden units as to channels', () => {
  const g = loadOnnx(seq('convgru-dynamic'));
  try {
    const r = prune(g, { ratio: 0.5, metric: 'macs', roundTo: 4, tolerance: 0.05 });
    try {
      for (const grp of r.groups) assert.ok(grp.kept % 4 === 0 || grp.kept === grp.total, `${grp.kind} ${grp.kept} / ${grp.total}`);
      assert.deepEqual(r.groups.map((x) => x.kind), ['channels', 'hidden']);
    } finally {
      r.graph.dispose();
    }
  } finally {
    g.dispose();
  }
});
