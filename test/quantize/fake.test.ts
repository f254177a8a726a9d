// Quantization-aware training's graph: the fake-quantized model whittle trains computes what the QDQ file it writes
// computes in onnxruntime, and gradients reach every weight straight through the rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeQuantizePerTensor, keep, manualSeed, noGrad, randn, sum, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { runGraph } from '../../src/exec/index.js';
import { buildZooGraph, type ZooArch } from '../../src/zoo/index.js';
import { toOnnxBytes } from '../../src/onnx/index.js';
import { calibrate, foldedCopy, planQuantization, qdqOpset, quantizedCopy, withFakeQuantize, withoutFakeQuantize } from '../../src/quantize/index.js';
import { runtimeNamed } from '../../src/runtime/index.js';

/** A zoo model folded, calibrated by minmax on random images, and its fake-quantized training graph. */
function setUp(arch: ZooArch) {
  manualSeed(3);
  const g = buildZooGraph(arch, { input: [1, 28, 28], classes: 10 });
  const f = foldedCopy(g);
  g.dispose();
  const xs: Tensor[] = [0, 1].map(() => keep(randn([8, 1, 28, 28])));
  const plan = planQuantization(f);
  const ranges = noGrad(() => calibrate(f, xs, [...new Set(plan.tensors.values())], 'minmax'));
  for (const x of xs) x.dispose();
  return { f, plan, ranges, fq: withFakeQuantize(f, plan, ranges, 'uint8') };
}

for (const arch of ['vgg-small', 'resnet-small', 'lenet5'] as const) {
  test(`${arch}: the fake-quantized graph on whittle's engine gives the logits of the QDQ file in onnxruntime`, async () => {
    const { f, ranges, fq } = setUp(arch);
    const { graph: q } = quantizedCopy(f, ranges, { exclude: new Set(), activations: 'uint8' });
    const bytes = toOnnxBytes(q, { opset: qdqOpset(q) });
    q.dispose();
    manualSeed(4);
    const x = keep(randn([16, 1, 28, 28]));
    try {
      const input = f.inputs[0]!.name;
      const ours = noGrad(() => tidy(() => Object.values(runGraph(fq, { [input]: x }))[0]!.data() as Float32Array));
      const float = noGrad(() => tidy(() => Object.values(runGraph(f, { [input]: x }))[0]!.data() as Float32Array));
      const s = await runtimeNamed('onnxruntime-node').open(bytes, { optimization: 'disabled' });
      const theirs = Object.values(await s.run({ [input]: { data: x.data() as Float32Array, dims: x.shape } }))[0]!.data as Float32Array;
      await s.release();
      // the same grid on both sides; libtorch's fake quantization multiplies by 1/scale where onnxruntime divides by
      // scale, so a value within float rounding of a step's edge lands one step apart now and then (under 0.1% of the
      // activations here): on average the two agree far better than either does with the float model
      let diff = 0;
      let floatDiff = 0;
      for (let i = 0; i < theirs.length; i++) {
        diff += Math.abs(ours[i]! - theirs[i]!) / theirs.length;
        floatDiff += Math.abs(float[i]! - theirs[i]!) / theirs.length;
      }
      assert.ok(diff < floatDiff / 5, `mean |fake - QDQ| ${diff}, mean |float - QDQ| ${floatDiff}`);
    } finally {
      x.dispose();
      fq.dispose();
      f.dispose();
    }
  });
}

test('gradients reach every weight of the fake-quantized graph, and withoutFakeQuantize gives the float graph back', () => {
  const { f, plan, fq } = setUp('vgg-small');
  try {
    manualSeed(5);
    tidy(() => {
      const x = randn([4, 1, 28, 28]);
      sum(Object.values(runGraph(fq, { [f.inputs[0]!.name]: x }, { training: true }))[0]!).backward();
    });
    for (const l of plan.layers.filter((p) => p.weight)) {
      const grad = fq.initializers.get(l.weight!.name)!.tensor.grad;
      assert.ok(grad, `${l.weight!.name} has a gradient`);
      assert.ok((grad.data() as Float32Array).some((v) => v !== 0), `${l.weight!.name}'s gradient is not all zero`);
    }
    assert.deepEqual(fq.parameters().length, f.parameters().length, 'the same parameters, in the same order');
    const back = withoutFakeQuantize(fq);
    assert.deepEqual(back.nodes.map((n) => [n.name, n.inputs, n.outputs]), f.nodes.map((n) => [n.name, n.inputs, n.outputs]));
    back.dispose();
  } finally {
    fq.dispose();
    f.dispose();
  }
});

test("fakeQuantizePerTensor rounds to the grid, clamps to the type's range and passes gradients straight through inside it", () => {
  tidy(() => {
    const x = tensor(Float32Array.of(-1, 0.26, 0.5, 30), [4], 'float32');
    x.requiresGrad = true;
    const y = fakeQuantizePerTensor(x, 0.1, 0, 0, 255);
    assert.deepEqual(Array.from(y.data() as Float32Array).map((v) => Number(v.toFixed(4))), [0, 0.3, 0.5, 25.5]);
    sum(y).backward();
    assert.deepEqual(Array.from(x.grad!.data() as Float32Array), [0, 1, 1, 0]);
  });
});
