// The graph-IR zoo: vgg-small and resnet-small run on the executor exactly as the src/nn modules (which
// test/nn/zoo-grad.test.ts pins to PyTorch) do, forward and backward; every zoo graph runs, counts and clones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossEntropy, liveTensors, manualSeed, noGrad, randn, tensor, tidy, copyInto, type Tensor } from '../../src/tensor/index.js';
import { buildZoo, type Arch } from '../../src/nn/index.js';
import { ZOO, buildZooGraph } from '../../src/zoo/index.js';
import { countMacs, inferShapes, runGraph } from '../../src/exec/index.js';
import { assertClose } from '../helpers/assert-close.js';

for (const arch of ['vgg-small', 'resnet-small'] as const satisfies readonly Arch[]) {
  test(`${arch} as a graph matches the module forward and backward in train mode`, () => {
    manualSeed(1);
    const spec = { input: [1, 28, 28] as const, classes: 10 };
    const module = buildZoo(arch, { input: [1, 28, 28], classes: 10 });
    const graph = buildZooGraph(arch, spec);
    try {
      const state = module.stateDict();
      assert.deepEqual([...graph.initializers.keys()].sort(), Object.keys(state).sort(), 'tensor names differ');
      noGrad(() => {
        for (const [name, t] of Object.entries(state)) copyInto(graph.initializers.get(name)!.tensor, t);
      });
      tidy(() => {
        const x = randn([4, 1, 28, 28]);
        const y = tensor([1, 3, 5, 7], [4], 'int64');
        const a = module.forward(x, true);
        const b = runGraph(graph, { input: x }, { training: true })['output']!;
        assertClose(b, a.toArray(), { atol: 1e-5, rtol: 1e-5, what: 'logits' });
        crossEntropy(a, y).backward();
        crossEntropy(b, y).backward();
        for (const [name, p] of module.namedParameters()) {
          const g = graph.initializers.get(name)!.tensor.grad!;
          assertClose(g, p.grad!.toArray(), { atol: 1e-6, rtol: 1e-4, what: `grad of ${name}` });
        }
        for (const [name, t] of module.namedBuffers()) assertClose(graph.initializers.get(name)!.tensor, t.toArray(), { atol: 1e-6, rtol: 1e-5, what: name });
      });
    } finally {
      module.dispose();
      graph.dispose();
    }
  });
}

const EXPECTED: Record<string, { params: number; macs?: number }> = {
  'vgg-small': { params: 140458, macs: 21_903_104 },
  'resnet20': { params: 272474 },
  'resnet56': { params: 855770 },
};

for (const arch of ZOO) {
  test(`${arch}: runs, infers shapes with a symbolic batch, counts, clones`, () => {
    const before = liveTensors();
    const input = arch === 'lenet5' || arch === 'mlp' || arch === 'vgg-small' ? ([1, 28, 28] as const) : ([3, 32, 32] as const);
    const g = buildZooGraph(arch, { input, classes: 10 });
    const copy = g.clone();
    try {
      const shapes = inferShapes(g);
      assert.deepEqual(shapes.get('output')!.shape, ['N', 10]);
      assert.deepEqual(shapes.get('input')!.shape, ['N', ...input]);
      const out = tidy(() => runGraph(g, { input: randn([3, ...input]) })['output']!.shape);
      assert.deepEqual(out, [3, 10]);
      const want = EXPECTED[arch];
      if (want) {
        assert.equal(g.parameterCount(), want.params);
        if (want.macs !== undefined) assert.equal(countMacs(g).total, want.macs);
      }
      assert.ok(countMacs(g).total > 0);
      // a clone owns its own tensors
      const [name, first] = [...g.initializers][0]!;
      tidy(() => noGrad(() => copyInto(first.tensor, randn(first.tensor.shape))));
      assert.notDeepEqual(copy.initializers.get(name)!.tensor.toArray(), first.tensor.toArray());
    } finally {
      g.dispose();
      copy.dispose();
    }
    assert.equal(liveTensors(), before, 'graph tensors leaked');
  });
}

test('runGraph frees intermediates: only the outputs stay alive', () => {
  const g = buildZooGraph('resnet-small', { input: [1, 16, 16], classes: 10 });
  try {
    const x = randn([2, 1, 16, 16]);
    const before = liveTensors();
    const outs: Record<string, Tensor> = noGrad(() => runGraph(g, { input: x }));
    assert.equal(liveTensors(), before + 1);
    outs['output']!.dispose();
    x.dispose();
  } finally {
    g.dispose();
  }
});

test('zoo widths: vgg-small and resnet-small at other channel widths, and bad widths refused', () => {
  const g = buildZooGraph('vgg-small', { input: [1, 28, 28], classes: 10, widths: [8, 8, 16, 16, 24] });
  // convs (no bias) + BN scale/bias per conv + classifier
  const convs = 9 * 8 + 9 * 8 * 8 + 9 * 8 * 16 + 9 * 16 * 16 + 9 * 16 * 24;
  assert.equal(g.parameterCount(), convs + 2 * (8 + 8 + 16 + 16 + 24) + 24 * 10 + 10);
  g.dispose();
  const r = buildZooGraph('resnet-small', { input: [1, 28, 28], classes: 10, widths: [8, 16, 24] });
  assert.equal(r.initializers.get('fc.weight')!.tensor.shape[1], 24);
  r.dispose();
  assert.throws(() => buildZooGraph('vgg-small', { input: [1, 28, 28], classes: 10, widths: [8, 8] }), /vgg-small: widths must be 5 whole numbers/);
});

test('zoo blockWidths: each BasicBlock inner conv takes its own width, the stream keeps the stage width', () => {
  const r = buildZooGraph('resnet-small', { input: [1, 28, 28], classes: 10, widths: [8, 16, 24], blockWidths: [4, 5, 6, 7, 8, 9] });
  const shape = (name: string): readonly number[] => r.initializers.get(name)!.tensor.shape;
  assert.deepEqual(shape('layer1.0.conv1.weight'), [4, 8, 3, 3]);
  assert.deepEqual(shape('layer1.0.conv2.weight'), [8, 4, 3, 3]);
  assert.deepEqual(shape('layer2.0.conv1.weight'), [6, 8, 3, 3]);
  assert.deepEqual(shape('layer2.1.conv2.weight'), [16, 7, 3, 3]);
  assert.deepEqual(shape('layer3.1.conv1.weight'), [9, 24, 3, 3]);
  r.dispose();
  assert.throws(() => buildZooGraph('resnet-small', { input: [1, 28, 28], classes: 10, blockWidths: [8, 8] }), /resnet-small: blockWidths must be 6 whole numbers/);
});
