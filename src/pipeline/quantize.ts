import { noGrad, tidy, keep, tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { countMacs, inputTensors, mapInput, type ModelInput } from '../exec/index.js';
import { cuttable, groupWidth, padGroups, paddableMaps } from '../prune/index.js';
import { batchOnDevice } from '../distill/index.js';
import { toOnnxBytes, decodeModel } from '../onnx/index.js';
import { BatchLoader, prefetchEpoch, type Batch, type Dataset } from '../data/index.js';
import { calibrate, foldedCopy, hasWeights, isQuantized, planQuantization, qdqOpset, quantizedCopy, type ActivationType, type Method, type PlannedLayer } from '../quantize/index.js';
import { runtimeNamed, timeAlternating, type RuntimeSession } from '../runtime/index.js';
import { ConfigError } from '../errors.js';
import type { SpeedSearch } from '../options/index.js';
import { TASKS, selectionScore, type Head, type HeadMetrics, type Metrics } from '../task/index.js';
import { agreement, batchFeeds, predictSplit, withSession } from './runtime-data.js';
import { int8SpeedSearch, type Built, type SpeedTrial, type Variant } from './int8-speed.js';
import { runtimeHeadMetrics } from './runtime-heads.js';

/** onnxruntime's int8 kernels: what a fused QDQ group becomes. */
export const INT8_OPS = new Set(['QLinearConv', 'QGemm', 'QLinearMatMul', 'MatMulInteger', 'MatMulIntegerToFloat', 'ConvInteger', 'QLinearAdd', 'QLinearMul',
  'QLinearGlobalAveragePool', 'QLinearAveragePool', 'QLinearConcat', 'QLinearSigmoid', 'QLinearLeakyRelu', 'QLinearSoftmax']);
/** Float kernels of the layers int8 is for: any left after onnxruntime's optimizer ran on a quantized model was not fused. */
export const FLOAT_LAYER_OPS = new Set(['Conv', 'FusedConv', 'Gemm', 'FusedGemm', 'MatMul', 'FusedMatMul']);
/** Calibration batch size. */
export const CALIBRATION_BATCH = 64;
/** Calibration batches whose layer outputs measure each layer's SQNR. */
const SQNR_BATCHES = 2;

export type QuantizeSettings = {
  calibrationBatches: number;
  method: Method;
  activations: ActivationType;
  exclude: readonly string[];
  maxDrop?: number;
  threads: number;
  latency: boolean;
  /** Widen narrow channel groups with zero channels and leave slow int8 kernels in float where onnxruntime-node runs
   * the model faster so (int8SpeedSearch): 'widen' widens only, 'float' also leaves layers in float. */
  speedSearch: SpeedSearch;
  /** The model's outputs as tasks (docs/tasks.md); null: one labelled classifier, measured by top-1 as before tasks. */
  heads: readonly Head[] | null;
  onProgress?: (message: string) => void;
};

/** One output of a model that is not a labelled classifier: the int8 model's fidelity to the float one, and the task
 * metrics of both against the labels where they score it. */
export type OutputReport = { task: Head['task']; fidelity: Metrics; metrics?: { before: Metrics; after: Metrics } };

/** One quantizable layer's error: its output with only it quantized against the float model's, in dB. */
export type LayerError = { node: string; opType: string; sqnrDb: number; excluded: boolean };
type BeforeAfter = { before: number; after: number };

export type QuantizeReport = {
  /** File sizes in bytes. */
  size: BeforeAfter;
  /** Nodes quantized (weighted layers, and the Add and pooling nodes between them). */
  quantized: number;
  /** Nodes onnxruntime-node runs as int8 kernels after its optimizer (QLinearConv, QGemm, ...), and each kind's count. */
  fused: number;
  fusedOps: Record<string, number>;
  /** Conv, Gemm and MatMul kernels onnxruntime-node still runs in float (the layers left in float). */
  floatOps: Record<string, number>;
  /** Top-1 accuracy on the test split in onnxruntime-node, float model and int8 model; null when no output is a
   * classifier with class labels. */
  accuracy: BeforeAfter | null;
  /** The int8 model's closeness to the float model on the test split: for a classifier the fraction of images with
   * the same top-1 class; for other outputs the mean over them of each task's fidelity metric (mIoU against the
   * float model's argmax, cosine, R²: `outputs`). */
  fidelity: number;
  /** Per output of a model that is not one labelled classifier: its task, fidelity and task metrics (absent otherwise). */
  outputs?: Record<string, OutputReport>;
  /** Median latency in onnxruntime-node at batch 1 and at batch 64, ms; null when not timed. */
  latencyMs: BeforeAfter | null;
  batch64Ms: BeforeAfter | null;
  /** Layers left in float: asked for with exclude, chosen for maxDrop, or by the speed search. */
  excluded: string[];
  /** Channel groups the speed search widened with zero channels (named after their first layer). */
  widened: { group: string; from: number; to: number }[];
  /** The speed search's changes tried, and which the model keeps (null: not run). */
  speedSearch: SpeedTrial[] | null;
  layers: LayerError[];
  calibration: { images: number; method: Method; activations: ActivationType };
  /** The search maxDrop made: its split, the float model's accuracy there and the int8 model's at the end (for other
   * tasks, the score that picks a compress run's epochs: the task metric where labelled, else fidelity, 1 for the float model). */
  maxDrop: { points: number; split: 'val' | 'test'; before: number; after: number } | null;
};

const count = (ops: readonly string[], keep: ReadonlySet<string>): Record<string, number> => {
  const m: Record<string, number> = {};
  for (const op of ops) if (keep.has(op)) m[op] = (m[op] ?? 0) + 1;
  return m;
};
const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

/**
 * Refuses an int8 (QDQ) model where a float one is needed: whittle runs and evaluates such a file, but pruning,
 * training and quantizing act on the float model it was made from. `what` names the model, `act` what would be done.
 */
export function refuseQuantized(g: Graph, what: string, act: string): void {
  if (!isQuantized(g)) return;
  throw new ConfigError(what, `is an int8 model (QuantizeLinear/DequantizeLinear nodes): whittle runs and evaluates it, but does not ${act} it`, 'give the float model it was made from (whittle quantize and compress --quantize int8 write the int8 file from it)');
}

/** The first `n` training batches (seeded shuffle, no augmentation): calibration data. */
export async function calibrationBatches(ds: Dataset, n: number): Promise<Batch[]> {
  const loader = BatchLoader.of(ds, 'train', { batchSize: CALIBRATION_BATCH, shuffle: true, augment: null });
  const out: Batch[] = [];
  for await (const b of prefetchEpoch(loader)) {
    if (out.length < n && b.n > 0) out.push(b);
  }
  return out;
}

/** A calibration batch as whittle's engine takes it: images as loaded (NCHW), a tensor set's inputs as training feeds them. */
function engineInput(b: Batch): ModelInput {
  return b.inputs ? tidy(() => mapInput(batchOnDevice(b, 'cpu').x, keep)) : keep(tensor(b.x, b.shape, 'float32'));
}

/** Each named tensor's range for `method` over the calibration batches, the float graph run on whittle's engine. */
export function calibrateOn(f: Graph, batches: readonly Batch[], names: readonly string[], method: Method): Map<string, { lo: number; hi: number }> {
  const xs = batches.map(engineInput);
  try {
    return noGrad(() => tidy(() => calibrate(f, xs, names, method)));
  } finally {
    for (const x of xs) for (const t of inputTensors(x)) t.dispose();
  }
}

/** Every layer's SQNR: the layer alone quantized (the rest float) against the float model, on a few batches. */
async function layerErrors(f: Graph, ranges: ReadonlyMap<string, { lo: number; hi: number }>, layers: readonly PlannedLayer[], batches: readonly Batch[], s: QuantizeSettings): Promise<Map<string, number>> {
  const outputOf = (l: PlannedLayer): string => l.output ?? f.nodes.find((n) => n.name === l.node)!.outputs[0]!;
  const ref = f.clone();
  for (const l of layers) if (!ref.outputs.some((v) => v.name === outputOf(l))) ref.outputs.push({ name: outputOf(l), dtype: 'float32', shape: null });
  const refBytes = toOnnxBytes(ref);
  ref.dispose();
  const reference = await withSession(refBytes, { threads: s.threads }, async (ses) => {
    const outs: Record<string, Float32Array>[] = [];
    for (const b of batches) outs.push(Object.fromEntries(Object.entries(await ses.run(batchFeeds(f, b), layers.map(outputOf))).map(([k, v]) => [k, v.data as Float32Array])));
    return outs;
  });
  const errors = new Map<string, number>();
  // every other node stays float, the layers left out of the plan (--exclude) included
  const all = f.nodes.map((n) => n.name);
  for (const l of layers) {
    const exclude = new Set(all.filter((n) => n !== l.node));
    const { graph, layers: done } = quantizedCopy(f, ranges, { exclude, activations: s.activations, extraOutputs: true });
    const bytes = toOnnxBytes(graph, { opset: qdqOpset(graph) });
    graph.dispose();
    const name = done.find((d) => d.node === l.node)!.quantizedOutput;
    let signal = 0;
    let noise = 0;
    await withSession(bytes, { threads: s.threads, optimization: 'disabled' }, async (ses) => {
      for (const [k, b] of batches.entries()) {
        const y = (await ses.run(batchFeeds(f, b), [name]))[name]!.data as Float32Array;
        const x = reference[k]![outputOf(l)]!;
        for (let i = 0; i < x.length; i++) (signal += x[i]! ** 2), (noise += (x[i]! - y[i]!) ** 2);
      }
    });
    errors.set(l.node, noise === 0 ? Infinity : 10 * Math.log10(signal / noise));
  }
  return errors;
}

/**
 * Quantizes a float classifier for onnxruntime (see docs/quantize.md): BatchNorm folded, activation ranges calibrated
 * on training batches by whittle's engine, QDQ written as onnxruntime fuses it; each layer's SQNR; with maxDrop the
 * least accurate layers left in float until the validation accuracy is within the budget; then the float and int8
 * models compared in onnxruntime-node (test accuracy, size, latency) and the int8 kernels it fused counted.
 * `before` is the float model's ONNX file as given. Returns the int8 model's bytes and the report.
 */
export async function quantizeModel(g: Graph, before: Uint8Array, ds: Dataset, s: QuantizeSettings): Promise<{ bytes: Uint8Array; report: QuantizeReport }> {
  const say = s.onProgress ?? ((): void => {});
  const names = new Set(g.nodes.map((n) => n.name));
  const unknown = s.exclude.filter((n) => !names.has(n));
  if (unknown.length) throw new ConfigError('exclude', `no node named ${unknown.map((n) => `'${n}'`).join(', ')} in the model`, '`whittle inspect MODEL` lists the node names');
  const f = foldedCopy(g);
  try {
    const userExcluded = new Set(s.exclude);
    const plan = planQuantization(f, userExcluded);
    if (!hasWeights(plan)) throw new ConfigError('model', `nothing to quantize: no Conv, Gemm or MatMul with constant weights${userExcluded.size ? ' outside --exclude' : ''}`);
    const batches = await calibrationBatches(ds, s.calibrationBatches);
    say(`calibrating ${plan.tensors.size} activations on ${batches.reduce((a, b) => a + b.n, 0)} training images (${s.method})`);
    const ranges = calibrateOn(f, batches, [...plan.tensors.keys()], s.method);
    say(`measuring the SQNR of ${plan.layers.length} layers`);
    const errors = await layerErrors(f, ranges, plan.layers, batches.slice(0, SQNR_BATCHES), s);
    const build = (exclude: ReadonlySet<string>): Uint8Array => qdqBytes(f, ranges, { exclude, activations: s.activations });
    const excluded = new Set(userExcluded);
    let bytes = build(excluded);
    let search: QuantizeReport['maxDrop'] = null;
    if (s.maxDrop !== undefined) {
      const split = ds.val.indices.length > 0 ? 'val' : 'test';
      const heads = s.heads;
      const accuracyOf = async (b: Uint8Array): Promise<number> => withSession(b, { threads: s.threads }, async (ses) => {
        if (heads) {
          const score = async (ref: RuntimeSession | null): Promise<number> => selectionScore(heads, await runtimeHeadMetrics(ses, ref, g, ds, split, heads));
          return b === before ? score(null) : withSession(before, { threads: s.threads }, score);
        }
        const p = await predictSplit(ses, g, ds, split);
        return agreement(p.predicted, p.labels);
      });
      const base = await accuracyOf(before);
      const order = plan.layers.map((l) => l.node).sort((a, b) => errors.get(a)! - errors.get(b)!);
      let acc = await accuracyOf(bytes);
      const what = s.heads ? 'score' : 'accuracy';
      say(`${split} ${what}: float ${(100 * base).toFixed(2)}%, int8 ${(100 * acc).toFixed(2)}%`);
      while (100 * (base - acc) > s.maxDrop && order.length) {
        const next = order.shift()!;
        excluded.add(next);
        const trial = new Set(excluded);
        const p = planQuantization(f, trial);
        if (!hasWeights(p)) break;
        bytes = build(trial);
        acc = await accuracyOf(bytes);
        say(`  ${next} left in float (SQNR ${errors.get(next)!.toFixed(1)} dB): int8 ${(100 * acc).toFixed(2)}%`);
      }
      search = { points: s.maxDrop, split, before: base, after: acc };
    }
    const one = batches[0]!;
    const single = batchFeeds(g, one, 1);
    const full = batchFeeds(g, batches.find((b) => b.n === CALIBRATION_BATCH) ?? one);
    let speedSearch: SpeedTrial[] | null = null;
    const widened: QuantizeReport['widened'] = [];
    if (s.speedSearch !== 'off') {
      say(`speed search in onnxruntime-node: narrow channel groups widened with zeros${s.speedSearch === 'float' ? ', slow int8 kernels left in float' : ''}`);
      const r = await speedSearchOn(f, ranges, s, excluded, [single, full], say);
      for (const n of r.variant.exclude) excluded.add(n);
      for (const t of r.trials) if (t.change === 'pad' && t.kept) widened.push({ group: t.layer, from: t.width![0], to: t.width![1] });
      bytes = r.model.bytes;
      speedSearch = r.trials;
    }
    const optimized = await runtimeNamed('onnxruntime-node').optimizedModel(bytes, { threads: s.threads });
    const ops = decodeModel(optimized!, 'optimized model').graph!.node.map((n) => n.opType);
    const fusedOps = count(ops, INT8_OPS);
    say(`test ${s.heads ? 'metrics' : 'accuracy'} of both models in onnxruntime-node`);
    const scores = await testScores(g, before, bytes, ds, s);
    let latencyMs: BeforeAfter | null = null;
    let batch64Ms: BeforeAfter | null = null;
    if (s.latency) {
      await withSession(before, { threads: s.threads }, (a) => withSession(bytes, { threads: s.threads }, async (b) => {
        const t1 = await timeAlternating([{ session: a, feeds: single }, { session: b, feeds: single }]);
        latencyMs = { before: t1[0]!.medianMs, after: t1[1]!.medianMs };
        const t64 = await timeAlternating([{ session: a, feeds: full }, { session: b, feeds: full }]);
        batch64Ms = { before: t64[0]!.medianMs, after: t64[1]!.medianMs };
      }));
    }
    const final = planQuantization(f, excluded);
    const report: QuantizeReport = {
      size: { before: before.length, after: bytes.length },
      quantized: final.layers.length,
      fused: sum(fusedOps),
      fusedOps,
      floatOps: count(ops, FLOAT_LAYER_OPS),
      ...scores,
      latencyMs,
      batch64Ms,
      excluded: [...excluded],
      widened,
      speedSearch,
      layers: plan.layers.map((l) => ({ node: l.node, opType: l.opType, sqnrDb: errors.get(l.node)!, excluded: excluded.has(l.node) })),
      calibration: { images: batches.reduce((a, b) => a + b.n, 0), method: s.method, activations: s.activations },
      maxDrop: search,
    };
    return { bytes, report };
  } finally {
    f.dispose();
  }
}

/** The ONNX bytes of quantizedCopy's QDQ model. */
function qdqBytes(f: Graph, ranges: ReadonlyMap<string, { lo: number; hi: number }>, o: Parameters<typeof quantizedCopy>[2]): Uint8Array {
  const { graph } = quantizedCopy(f, ranges, o);
  try {
    return toOnnxBytes(graph, { opset: qdqOpset(graph) });
  } finally {
    graph.dispose();
  }
}

/**
 * int8SpeedSearch on the folded model `f`: the groups that can take zero channels (prune's analysis; see padGroups)
 * and the variants written from the same calibrated ranges (widened weights stored without their zeros).
 */
async function speedSearchOn(f: Graph, ranges: ReadonlyMap<string, { lo: number; hi: number }>, s: QuantizeSettings, excluded: ReadonlySet<string>, feeds: Parameters<typeof int8SpeedSearch>[4], say: (m: string) => void): ReturnType<typeof int8SpeedSearch> {
  // widening is an optimisation: a model prune's analysis cannot take is quantized at its widths
  let analysis: ReturnType<typeof cuttable> | null = null;
  try {
    analysis = cuttable(f);
  } catch (e) {
    say(`  no group widened: prune's channel analysis does not take this model (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`);
  }
  const work = analysis?.graph ?? f;
  try {
    const dg = analysis?.dg;
    const groups = dg ? dg.groups.filter((gr) => paddableMaps(dg, gr)).map((gr) => ({ name: gr.name, width: groupWidth(gr) })) : [];
    const macs = countMacs(f).byNode;
    const build = (v: Variant): Built => {
      if (!v.widths.size || !dg) return { bytes: qdqBytes(f, ranges, { exclude: v.exclude, activations: s.activations }), macs };
      const { graph: p, padding } = padGroups(dg, new Map([...v.widths].map(([name, w]) => [dg.groups.find((gr) => gr.name === name)!, w])));
      try {
        const padded = new Map<string, { axis: number; from: number }[]>();
        for (const x of padding) padded.set(x.init, [...(padded.get(x.init) ?? []), { axis: x.axis, from: x.from }]);
        return { bytes: qdqBytes(p, ranges, { exclude: v.exclude, activations: s.activations, padded }), macs: countMacs(p).byNode };
      } finally {
        p.dispose();
      }
    };
    const weighted = s.speedSearch === 'float' ? planQuantization(f, excluded).layers.filter((l) => l.weight).map((l) => l.node) : [];
    return await int8SpeedSearch({ exclude: excluded, widths: new Map() }, weighted, groups, build, feeds, s.threads, say);
  } finally {
    if (work !== f) work.dispose();
  }
}

/** Accuracy and fidelity of the float and int8 models on the test split in onnxruntime-node (and per output, for a
 * model that is not one labelled classifier). */
async function testScores(g: Graph, before: Uint8Array, after: Uint8Array, ds: Dataset, s: QuantizeSettings): Promise<Pick<QuantizeReport, 'accuracy' | 'fidelity' | 'outputs'>> {
  const heads = s.heads;
  if (!heads) {
    const p0 = await withSession(before, { threads: s.threads }, (ses) => predictSplit(ses, g, ds, 'test'));
    const p1 = await withSession(after, { threads: s.threads }, (ses) => predictSplit(ses, g, ds, 'test'));
    return { accuracy: { before: agreement(p0.predicted, p0.labels), after: agreement(p1.predicted, p1.labels) }, fidelity: agreement(p0.predicted, p1.predicted) };
  }
  const [m0, m1] = await withSession(before, { threads: s.threads }, (f) => withSession(after, { threads: s.threads }, async (q): Promise<[HeadMetrics[], HeadMetrics[]]> => [
    await runtimeHeadMetrics(f, null, g, ds, 'test', heads),
    await runtimeHeadMetrics(q, f, g, ds, 'test', heads),
  ]));
  const outputs: Record<string, OutputReport> = {};
  heads.forEach((h, i) => {
    const b = m0[i]!.task;
    const a = m1[i]!.task;
    outputs[h.output] = { task: h.task, fidelity: m1[i]!.fidelity, ...(b && a ? { metrics: { before: b, after: a } } : {}) };
  });
  const k = heads.findIndex((h) => h.task === 'classify' && h.labelled);
  const accuracy = k >= 0 ? { before: m0[k]!.task!['accuracy']!, after: m1[k]!.task!['accuracy']! } : null;
  const fidelity = heads.reduce((sum, h, i) => sum + m1[i]!.fidelity[TASKS[h.task].fidelityMetric]!, 0) / heads.length;
  return { accuracy, fidelity, outputs };
}
