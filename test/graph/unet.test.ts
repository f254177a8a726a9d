// unet-small, the zoo's segmentation net: per-pixel logits N x K x H x W through MaxPool, nearest upsampling and skip
// Concats; the executor's forward equals onnxruntime's on the exported model, and training reaches every weight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { copyInto, crossEntropy, liveTensors, manualSeed, noGrad, rand, randn, tensor, tidy } from '../../src/tensor/index.js';
import { ALL_ZOO, SEGMENT_ZOO, ZOO, buildZooGraph } from '../../src/zoo/index.js';
import { countMacs, inferShapes, runGraph } from '../../src/exec/index.js';
import { toOnnxBytes } from '../../src/onnx/index.js';
import { assertClose } from '../helpers/assert-close.js';

test('unet-small: N x classes x H x W logits, parameters as counted by hand, listed apart from the classifiers', () => {
  assert.deepEqual([...SEGMENT_ZOO], ['unet-small']);
  assert.ok(ALL_ZOO.includes('unet-small') && !(ZOO as readonly string[]).includes('unet-small'));
  const before = liveTensors();
  const g = buildZooGraph('unet-small', { input: [1, 48, 48], classes: 11 });
  try {
    assert.deepEqual(inferShapes(g).get('output')!.shape, ['N', 11, 48, 48]);
    assert.deepEqual(g.outputs[0]!.shape, ['N', 11, 48, 48]);
    const conv = (cin: number, cout: number): number => 9 * cin * cout + 2 * cout; // conv3x3 without bias + BN scale and shift
    const level = (cin: number, c: number): number => conv(cin, c) + conv(c, c);
    assert.equal(g.parameterCount(), level(1, 16) + level(16, 32) + level(32, 64) + level(96, 32) + level(48, 16) + 16 * 11 + 11);
    assert.ok(countMacs(g).total > 0);
    const out = tidy(() => runGraph(g, { input: randn([2, 1, 48, 48]) })['output']!.shape);
    assert.deepEqual(out, [2, 11, 48, 48]);
    const narrow = buildZooGraph('unet-small', { input: [3, 32, 32], classes: 4, widths: [8, 8, 16] });
    assert.deepEqual(tidy(() => runGraph(narrow, { input: randn([1, 3, 32, 32]) })['output']!.shape), [1, 4, 32, 32]);
    narrow.dispose();
  } finally {
    g.dispose();
  }
  assert.equal(liveTensors(), before, 'graph tensors leaked');
  assert.throws(() => buildZooGraph('unet-small', { input: [1, 30, 30], classes: 3 }), /multiples of 4/);
});

test('unet-small: the executor matches onnxruntime-node on the exported model (eval mode, random BN statistics)', async () => {
  manualSeed(3);
  const g = buildZooGraph('unet-small', { input: [1, 16, 16], classes: 5 });
  try {
    noGrad(() => {
      for (const [name, init] of g.initializers) {
        if (name.endsWith('running_mean')) copyInto(init.tensor, randn(init.tensor.shape));
        if (name.endsWith('running_var')) copyInto(init.tensor, rand(init.tensor.shape));
      }
    });
    const x = tidy(() => randn([3, 1, 16, 16]));
    const ours = tidy(() => runGraph(g, { input: x })['output']!.toArray());
    const session = await ort.InferenceSession.create(toOnnxBytes(g), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    try {
      const r = await session.run({ input: new ort.Tensor('float32', x.data() as Float32Array, [3, 1, 16, 16]) });
      const o = r['output']!;
      assert.deepEqual([...o.dims], [3, 5, 16, 16]);
      assertClose(ours, Array.from(o.data as Float32Array), { atol: 1e-4, rtol: 1e-4, what: 'unet-small output' });
    } finally {
      await session.release();
    }
    x.dispose();
  } finally {
    g.dispose();
  }
});

test('unet-small: per-pixel cross-entropy in train mode reaches every weight', () => {
  manualSeed(4);
  const g = buildZooGraph('unet-small', { input: [1, 16, 16], classes: 3 });
  try {
    tidy(() => {
      const x = randn([2, 1, 16, 16]);
      const y = tensor(BigInt64Array.from({ length: 2 * 256 }, (_, i) => BigInt(i % 3)), [2, 16, 16], 'int64');
      const logits = runGraph(g, { input: x }, { training: true })['output']!;
      crossEntropy(logits, y).backward();
      for (const [name, init] of g.initializers) {
        if (init.kind !== 'param') continue;
        const grad = init.tensor.grad;
        assert.ok(grad, `${name} has a gradient`);
        assert.ok(grad.toArray().some((v) => v !== 0) && grad.toArray().every(Number.isFinite), `${name}: nonzero, finite`);
      }
    });
  } finally {
    g.dispose();
  }
});
