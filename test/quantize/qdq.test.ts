// The QDQ rewrite on the graph IR: where the Quantize/Dequantize pairs go, per-channel int8 weights, int32 biases,
// ranges, and that onnxruntime fuses every Conv and Gemm of the zoo's students into int8 kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, randn, keep, type Tensor } from '../../src/tensor/index.js';
import { loadOnnx, toOnnxBytes, decodeModel } from '../../src/onnx/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import type { Graph } from '../../src/graph/index.js';
import { activationParams, calibrate, entropyThresholdBin, foldedCopy, hasWeights, planQuantization, qdqOpset, quantizedCopy, rangeOf, sqnrDb } from '../../src/quantize/index.js';
import { runtimeNamed } from '../../src/runtime/index.js';
import { INT8_OPS, FLOAT_LAYER_OPS } from '../../src/pipeline/quantize.js';
import { prunedStudents } from '../onnx/students.js';
import { cuttable, groupWidth, padGroups } from '../../src/prune/index.js';

/** A QDQ copy of `g` calibrated by minmax on a few batches of random images. */
function quantizeRandom(g: Graph, o: { activations?: 'uint8' | 'int8' } = {}) {
  const f = foldedCopy(g);
  const xs: Tensor[] = [0, 1].map(() => keep(randn([8, 1, 28, 28])));
  const plan = planQuantization(f);
  const ranges = calibrate(f, xs, [...plan.tensors.keys()], 'minmax');
  for (const x of xs) x.dispose();
  const q = quantizedCopy(f, ranges, { exclude: new Set(), activations: o.activations ?? 'uint8' });
  return { f, ranges, ...q };
}

const initData = (g: Graph, name: string): number[] => Array.from(g.initializers.get(name)!.tensor.data() as ArrayLike<number>);

test('each Conv reads its input, int8 weight and int32 bias through DequantizeLinear, and a Quantize follows its ReLU', () => {
  manualSeed(1);
  const g = buildZooGraph('vgg-small', { input: [1, 28, 28], classes: 10 });
  const { f, graph: q } = quantizeRandom(g);
  try {
    const producer = q.producers();
    const consumers = q.consumers();
    const convs = q.nodes.filter((n) => n.opType === 'Conv');
    assert.equal(convs.length, 5);
    assert.equal(q.nodes.filter((n) => n.opType === 'BatchNormalization').length, 0, 'BatchNorm folded first');
    for (const c of convs) {
      const [x, w, b] = c.inputs.map((i) => producer.get(i!));
      assert.equal(x?.opType, 'DequantizeLinear', `${c.name}: input`);
      assert.equal(w?.opType, 'DequantizeLinear', `${c.name}: weight`);
      assert.equal(b?.opType, 'DequantizeLinear', `${c.name}: bias`);
      assert.equal(q.initializers.get(w!.inputs[0]!)!.tensor.dtype, 'int8');
      assert.deepEqual(w!.attrs['axis'], { kind: 'int', value: 0 });
      assert.equal(q.initializers.get(b!.inputs[0]!)!.tensor.dtype, 'int32');
      const relu = consumers.get(c.outputs[0]!)!;
      assert.deepEqual(relu.map((n) => n.opType), ['Relu']);
      assert.deepEqual(consumers.get(relu[0]!.outputs[0]!)!.map((n) => n.opType), ['QuantizeLinear'], `${c.name}: the ReLU's output is quantized`);
      const zp = q.initializers.get(consumers.get(relu[0]!.outputs[0]!)![0]!.inputs[2]!)!.tensor;
      assert.equal(zp.dtype, 'uint8');
      assert.equal(zp.item(), 0, 'a ReLU output starts at zero point 0, so onnxruntime drops the ReLU');
    }
    const maxPools = q.nodes.filter((n) => n.opType === 'MaxPool');
    for (const m of maxPools) {
      const dq = producer.get(m.inputs[0]!)!;
      const qOut = consumers.get(m.outputs[0]!)![0]!;
      assert.equal(qOut.opType, 'QuantizeLinear', 'MaxPool passes through with its input\'s scale');
      assert.deepEqual(initData(q, qOut.inputs[1]!), initData(q, dq.inputs[1]!));
    }
    const gemm = q.nodes.find((n) => n.opType === 'Gemm')!;
    assert.equal(producer.get(gemm.inputs[1]!)!.opType, 'DequantizeLinear');
    assert.ok(q.outputs.some((o) => o.name === gemm.outputs[0]), 'the logits stay float (QGemm writes float)');
    assert.ok(![...q.initializers.values()].some((i) => i.tensor.dtype === 'float32' && i.tensor.numel > 200), 'no float weights left');
    assert.equal(qdqOpset(q), 13);
    assert.deepEqual(q.metadata, f.metadata);
  } finally {
    for (const x of [g, f, q]) x.dispose();
  }
});

test('weights are int8 per output channel with scale max|w_c|/127, biases int32 = round(b / (sx * sw_c))', () => {
  manualSeed(2);
  const g = buildZooGraph('lenet5', { input: [1, 28, 28], classes: 10 });
  const { f, graph: q, ranges } = quantizeRandom(g);
  try {
    const producer = q.producers();
    for (const n of q.nodes.filter((m) => m.opType === 'Conv' || m.opType === 'Gemm')) {
      const orig = f.nodes.find((m) => m.name === n.name)!;
      const w = f.initializers.get(orig.inputs[1]!)!.tensor;
      const wf = w.data() as Float32Array;
      const dqw = producer.get(n.inputs[1]!)!;
      const wq = q.initializers.get(dqw.inputs[0]!)!.tensor.data() as Int8Array;
      const ws = initData(q, dqw.inputs[1]!);
      const axis = (dqw.attrs['axis']!.value as number);
      const channels = w.shape[axis]!;
      assert.equal(ws.length, channels, `${n.name}: one scale per output channel`);
      const inner = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const ch = (i: number): number => Math.floor(i / inner) % channels;
      for (let c = 0; c < channels; c++) {
        let m = 0;
        for (let i = 0; i < wf.length; i++) if (ch(i) === c) m = Math.max(m, Math.abs(wf[i]!));
        assert.ok(Math.abs(ws[c]! - m / 127) <= 1e-7 * Math.max(1, m), `${n.name} channel ${c}: scale ${ws[c]} vs ${m / 127}`);
      }
      for (let i = 0; i < wf.length; i++) assert.equal(wq[i], Math.round(wf[i]! / ws[ch(i)]!) || 0, `${n.name}: weight ${i}`);
      // the bias: scale = input scale x weight scale, values rounded to int32
      const dqx = producer.get(n.inputs[0]!)!;
      const sx = initData(q, dqx.inputs[1]!)[0]!;
      const dqb = producer.get(n.inputs[2]!)!;
      const bq = initData(q, dqb.inputs[0]!);
      const bs = initData(q, dqb.inputs[1]!);
      const bf = initData(f, orig.inputs[2]!);
      assert.equal(q.initializers.get(dqb.inputs[0]!)!.tensor.dtype, 'int32');
      for (let c = 0; c < channels; c++) {
        assert.equal(bs[c], Math.fround(sx * ws[c]!), `${n.name}: bias scale ${c}`);
        assert.equal(bq[c], Math.round(bf[c]! / bs[c]!), `${n.name}: bias ${c}`);
      }
    }
    assert.ok(ranges.size > 0);
  } finally {
    for (const x of [g, f, q]) x.dispose();
  }
});

test('activation ranges: zero stays exact, uint8 and int8 zero points, percentile clips an outlier, entropy clips a long tail', () => {
  assert.deepEqual(activationParams(0, 2.55, 'uint8'), { scale: Math.fround(0.01), zeroPoint: 0 });
  assert.equal(activationParams(0, 2.55, 'int8').zeroPoint, -128);
  const p = activationParams(-1, 3, 'uint8');
  assert.equal(p.zeroPoint, Math.round(1 / p.scale));
  assert.equal(activationParams(0.5, 3, 'uint8').zeroPoint, 0, 'the range is widened to hold 0');
  const h = new Float64Array(2048);
  for (let i = 0; i < 200; i++) h[i] = 1000 - 4 * i;
  h[2047] = 1;
  const stats = { min: 0, max: 100, histogram: h, histLo: 0, histHi: 100 };
  assert.ok(rangeOf(stats, 'percentile').hi < 15, 'the 99.99th percentile leaves out the one outlier');
  const t = entropyThresholdBin(h, 256);
  assert.ok(t >= 200 && t < 2047, `entropy threshold bin ${t}`);
  assert.deepEqual(rangeOf(stats, 'minmax'), { lo: 0, hi: 100 });
  assert.equal(sqnrDb([1, 2, 3], [1, 2, 3]), Infinity);
  assert.ok(Math.abs(sqnrDb([1, 0], [0.9, 0]) - 20) < 1e-9);
});

test('a model of ops without weights has nothing to quantize', () => {
  manualSeed(3);
  const g = buildZooGraph('mlp', { input: [1, 28, 28], classes: 10 });
  try {
    assert.ok(hasWeights(planQuantization(g)));
    const all = new Set(g.nodes.filter((n) => n.opType === 'Gemm').map((n) => n.name));
    assert.equal(hasWeights(planQuantization(g, all)), false);
  } finally {
    g.dispose();
  }
});

test('every Conv and Gemm of every zoo student and shipped teacher is fused by onnxruntime-node into an int8 kernel; the int8 models run in onnxruntime-web alike', async () => {
  manualSeed(0);
  const node = runtimeNamed('onnxruntime-node');
  const web = runtimeNamed('onnxruntime-web');
  // vit-tiny's attention products (two activations: scores and context) are not planned for int8 yet
  for (const s of prunedStudents().filter((st) => !st.name.includes('vit-tiny'))) {
    const g = loadOnnx(s.bytes, { source: s.name });
    const { f, graph: q, plan } = quantizeRandom(g);
    try {
      const bytes = toOnnxBytes(q, { opset: qdqOpset(q) });
      const ops = decodeModel((await node.optimizedModel(bytes))!, s.name).graph!.node.map((n) => n.opType);
      const floatLeft = ops.filter((o) => FLOAT_LAYER_OPS.has(o));
      assert.deepEqual(floatLeft, [], `${s.name}: float kernels left after onnxruntime's optimizer`);
      const weighted = f.nodes.filter((n) => n.opType === 'Conv' || n.opType === 'Gemm' || n.opType === 'MatMul').length;
      const int8Weighted = ops.filter((o) => ['QLinearConv', 'QGemm', 'QLinearMatMul', 'MatMulIntegerToFloat', 'MatMulInteger'].includes(o)).length;
      assert.equal(int8Weighted, weighted, `${s.name}: int8 kernels for the ${weighted} weighted layers`);
      assert.equal(ops.filter((o) => INT8_OPS.has(o)).length, plan.layers.length, `${s.name}: every quantized node fused`);
      const x = { data: s.input.data, dims: s.input.shape };
      const run = async (rt: typeof node): Promise<Float32Array> => {
        const ses = await rt.open(bytes);
        try {
          return (await ses.run({ [ses.inputNames[0]!]: x }))[ses.outputNames[0]!]!.data as Float32Array;
        } finally {
          await ses.release();
        }
      };
      const a = await run(node);
      const b = await run(web);
      const scale = Math.max(...a.map(Math.abs));
      const diff = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
      assert.ok(diff <= 0.05 * scale + 1e-6, `${s.name}: onnxruntime-web vs -node on the int8 model, max diff ${diff} of ${scale}`);
    } finally {
      for (const m of [g, f, q]) m.dispose();
    }
  }
});

test('a widened model is written with its weights stored without their zero channels behind Pad nodes, fused alike, and computes what the narrow one computes', async () => {
  manualSeed(5);
  const g = buildZooGraph('resnet-small', { input: [1, 28, 28], classes: 10, widths: [8, 16, 32] });
  const f = foldedCopy(g);
  const { graph: work, dg } = cuttable(f);
  const narrow = dg.groups.filter((gr) => groupWidth(gr) === 8);
  const { graph: p, padding } = padGroups(dg, new Map(narrow.map((gr) => [gr, 16])));
  const xs: Tensor[] = [0, 1].map(() => keep(randn([8, 1, 28, 28])));
  const plan = planQuantization(f);
  const ranges = calibrate(f, xs, [...plan.tensors.keys()], 'minmax');
  const padded = new Map<string, { axis: number; from: number }[]>();
  for (const x of padding) padded.set(x.init, [...(padded.get(x.init) ?? []), { axis: x.axis, from: x.from }]);
  const a = quantizedCopy(work, ranges, { exclude: new Set(), activations: 'uint8' }).graph;
  const b = quantizedCopy(p, ranges, { exclude: new Set(), activations: 'uint8', padded }).graph;
  const node = runtimeNamed('onnxruntime-node');
  try {
    const pads = b.nodes.filter((n) => n.opType === 'Pad');
    assert.equal(pads.length, new Set(padding.map((x) => x.init).filter((i) => f.nodes.some((n) => n.opType === 'Conv' && n.inputs[1] === i))).size, 'one Pad per widened conv weight');
    for (const n of pads) {
      const stored = b.initializers.get(n.inputs[0]!)!.tensor;
      assert.equal(stored.dtype, 'int8');
      assert.ok(stored.shape[0] === 8 || stored.shape[1] === 8, `${n.inputs[0]} stored at its own width: [${stored.shape.join(', ')}]`);
    }
    const [ba, bb] = [a, b].map((q) => toOnnxBytes(q, { opset: qdqOpset(q) }));
    assert.ok(Math.abs(bb!.length - ba!.length) < 0.05 * ba!.length, `the file barely grows: ${ba!.length} -> ${bb!.length} bytes`);
    const fused = async (bytes: Uint8Array): Promise<string[]> => decodeModel((await node.optimizedModel(bytes))!, 'q').graph!.node.map((n) => n.opType).filter((o) => INT8_OPS.has(o) || FLOAT_LAYER_OPS.has(o) || o === 'Pad');
    assert.deepEqual((await fused(bb!)).sort(), (await fused(ba!)).sort(), 'onnxruntime folds the Pads and fuses every layer as before');
    const x = { data: new Float32Array(randn([4, 1, 28, 28]).data() as Float32Array), dims: [4, 1, 28, 28] };
    const out = async (bytes: Uint8Array): Promise<Float32Array> => {
      const s = await node.open(bytes);
      try {
        return (await s.run({ [s.inputNames[0]!]: x }))[s.outputNames[0]!]!.data as Float32Array;
      } finally {
        await s.release();
      }
    };
    const [ya, yb] = [await out(ba!), await out(bb!)];
    const scale = Math.max(...ya.map(Math.abs));
    const diff = Math.max(...ya.map((v, i) => Math.abs(v - yb[i]!)));
    // identical here (0 on AVX512-VNNI); another CPU's kernels may round a tie the other way
    assert.ok(diff <= 0.01 * scale, `widened vs narrow int8 model: max diff ${diff} of ${scale}`);
  } finally {
    for (const t of xs) t.dispose();
    for (const m of new Set([g, f, work, p, a, b])) m.dispose();
  }
});
