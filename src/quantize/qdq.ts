import { keep, narrow, contiguous, noGrad, tidy, tensor, type Tensor } from '../tensor/index.js';
import { attrInt, int, type Graph, type Node } from '../graph/index.js';
import type { Plan, PlannedLayer } from './plan.js';
import { activationParams, quantizeBias, quantizeWeight, type ActivationType, type QParams } from './qparams.js';

/** The rewritten graph's names for a quantized tensor: what consumers read after the Dequantize. */
export const dequantizedName = (t: string): string => `${t}_dq`;

/** Zero channels appended to a weight's axes (`from` channels are the weight's own): stored without them, behind a
 * Pad node that onnxruntime folds when it loads the model, so that the file does not grow. */
export type ZeroPadded = ReadonlyMap<string, readonly { readonly axis: number; readonly from: number }[]>;

/** What quantize() did to each layer: its name, op, and the tensor of the quantized model that holds its output. */
export type QuantizedLayer = { readonly node: string; readonly opType: string; readonly output: string; readonly quantizedOutput: string };

class Rewriter {
  private readonly taken: Set<string>;
  private readonly zeros = new Map<number, string>();
  private readonly shared = new Map<string, string>();
  readonly added: Node[] = [];
  constructor(readonly g: Graph) {
    this.taken = new Set([...g.initializers.keys(), ...g.nodes.flatMap((n) => [n.name, ...n.outputs]), ...g.inputs.map((i) => i.name)]);
  }
  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.taken.has(name); k++) name = `${base}_${k}`;
    this.taken.add(name);
    return name;
  }
  init(base: string, t: Tensor): string {
    const name = this.fresh(base);
    this.g.initializers.set(name, { tensor: keep(t), kind: 'constant' });
    return name;
  }
  /** Int8 zero points of `channels` channels, one initializer shared by all weights of that many channels. */
  zeroPoints(channels: number): string {
    let name = this.zeros.get(channels);
    if (!name) this.zeros.set(channels, (name = this.init(`zeros_int8_${channels}`, tensor(new Int8Array(channels), [channels], 'int8'))));
    return name;
  }
  /** An int64 vector initializer, one per distinct value (a Pad's amounts). */
  int64s(base: string, values: readonly number[]): string {
    const key = values.join();
    let name = this.shared.get(key);
    if (!name) this.shared.set(key, (name = this.init(base, tensor([...values], [values.length], 'int64'))));
    return name;
  }
  /**
   * `t` (widened with zeros on `pads`' axes) stored without its zeros as `${base}_q`, and a Pad node that restores it
   * into `named` (or a fresh name), which it returns; onnxruntime folds the Pad when it loads the model. Takes `t`.
   */
  padNode(base: string, t: Tensor, pads: readonly { axis: number; from: number }[], named?: string): string {
    const own = noGrad(() => tidy(() => {
      let x: Tensor = t;
      for (const p of pads) x = narrow(x, p.axis, 0, p.from);
      return keep(contiguous(x));
    }));
    const ends = t.shape.map((s, i) => s - (pads.find((p) => p.axis === i)?.from ?? s));
    const stored = this.init(`${base}_q`, own);
    const amounts = this.int64s(`pads${this.added.length + 1}`, [...t.shape.map(() => 0), ...ends]);
    const out = named ?? this.fresh(`${base}_qp`);
    this.added.push({ name: this.fresh(`P${this.added.length + 1}`), opType: 'Pad', domain: '', inputs: [stored, amounts], outputs: [out], attrs: {} });
    return out;
  }
  /** A short node name (Q1, DQ2, ...): the QDQ nodes' names are repeated in the file and tell nothing. */
  nodeName(op: 'Q' | 'DQ'): string {
    return this.fresh(`${op}${this.added.length + 1}`);
  }
  /** A DequantizeLinear node of `q`; returns the dequantized value (`named`, or a fresh name). A zero point of null
   * is 0 (of q's type). */
  dequantize(base: string, q: string, scale: string, zeroPoint: string | null, axis: number | null, named?: string): string {
    const out = named ?? this.fresh(dequantizedName(base));
    this.added.push({ name: this.nodeName('DQ'), opType: 'DequantizeLinear', domain: '', inputs: zeroPoint === null ? [q, scale] : [q, scale, zeroPoint], outputs: [out], attrs: axis === null ? {} : { axis: int(axis) } });
    return out;
  }
}

/** An activation zero point of `type` in a tensor of `shape` ([] a scalar, [C] one per channel). */
function zeroPoints(type: ActivationType, value: number, shape: number[]): Tensor {
  const n = shape.length ? shape[0]! : 1;
  return type === 'uint8' ? tensor(new Uint8Array(n).fill(value), shape, 'uint8') : tensor(new Int8Array(n).fill(value), shape, 'int8');
}

const floats = (g: Graph, name: string): Float32Array => g.initializers.get(name)!.tensor.data() as Float32Array;

/**
 * Rewrites `g` in place into QDQ form for `plan`: each planned activation gets QuantizeLinear → DequantizeLinear with
 * its range's scale and zero point (a pass-through op's output with its input's), and every reader reads the
 * dequantized value; weights are stored as int8 per output channel and biases as int32 at input scale × weight scale,
 * each behind a DequantizeLinear. The float weights no longer read are dropped. Needs opset 13 (per-axis Dequantize).
 */
export function insertQdq(g: Graph, plan: Plan, ranges: ReadonlyMap<string, { lo: number; hi: number }>, type: ActivationType, padded: ZeroPadded = new Map()): QuantizedLayer[] {
  const r = new Rewriter(g);
  const params = new Map<string, QParams>();
  for (const source of new Set(plan.tensors.values())) {
    const range = ranges.get(source);
    if (!range) throw new Error(`quantize: no calibrated range for '${source}'`);
    params.set(source, activationParams(range.lo, range.hi, type));
  }
  // one scale and zero point per source tensor (a pass-through op's output shares its input's); the zero point is
  // written even where it is QuantizeLinear's default 0, as onnxruntime's fusions want it
  const stored = new Map<string, { scale: string; zp: string }>();
  const storedFor = (source: string): { scale: string; zp: string } => {
    let e = stored.get(source);
    if (!e) {
      const p = params.get(source)!;
      const scale = r.init(`${source}_s`, tensor(Float32Array.of(p.scale), [], 'float32'));
      const zp = r.init(`${source}_z`, zeroPoints(type, p.zeroPoint, []));
      stored.set(source, (e = { scale, zp }));
    }
    return e;
  };
  const rename = new Map<string, string>();
  const quantizedAs = new Map<string, { q: string; source: string }>();
  // a quantized graph output (a Conv's map or vector) keeps its name on the Dequantize's output, so that the kernel
  // writing it fuses, and its producer writes a float value of another name
  const graphOutputs = new Set(g.outputs.map((o) => o.name));
  const raw = new Map<string, string>();
  for (const [t, source] of plan.tensors) {
    const { scale, zp } = storedFor(source);
    const q = r.fresh(`${t}_q`);
    const out = graphOutputs.has(t) && !g.inputs.some((i) => i.name === t);
    if (out) raw.set(t, r.fresh(`${t}_float`));
    r.added.push({ name: r.nodeName('Q'), opType: 'QuantizeLinear', domain: '', inputs: [raw.get(t) ?? t, scale, zp], outputs: [q], attrs: {} });
    rename.set(t, r.dequantize(t, q, scale, zp, null, out ? t : undefined));
    quantizedAs.set(t, { q, source });
  }
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const layerInputs = new Map<string, string[]>();
  for (const l of plan.layers) {
    if (!l.weight) continue;
    const n = byName.get(l.node)!;
    const inputScale = params.get(plan.tensors.get(l.inputs[0]!)!)!.scale;
    layerInputs.set(l.node, weightInputs(r, n, l, inputScale, padded.get(l.weight.name) ?? []));
  }
  const nodes = g.nodes.map((n) => {
    const inputs = (layerInputs.get(n.name) ?? n.inputs).map((i, k) => (k === 0 || !layerInputs.has(n.name) ? rename.get(i) ?? i : i));
    const input = quantizedAs.get(n.inputs[0] ?? '');
    const channels = layerInputs.has(n.name) || !input ? null : floatLayerChannels(g, n);
    if (channels !== null && input) {
      // a layer left in float whose input onnxruntime would see Dequantized per tensor: onnxruntime (1.20 on) then
      // quantizes its float weight itself, per tensor, and fuses it into an int8 kernel. Its own Dequantize with the
      // scale repeated per channel (the same values) keeps it float.
      const p = params.get(input.source)!;
      const scale = r.init(`${n.name}_in_s`, tensor(new Float32Array(channels).fill(p.scale), [channels], 'float32'));
      const zp = r.init(`${n.name}_in_z`, zeroPoints(type, p.zeroPoint, [channels]));
      inputs[0] = r.dequantize(n.inputs[0]!, input.q, scale, zp, 1);
    }
    return { ...n, inputs, outputs: n.outputs.map((o) => raw.get(o) ?? o) };
  });
  const used = new Set([...nodes, ...r.added].flatMap((n) => n.inputs));
  for (const [name, init] of [...g.initializers]) {
    if (used.has(name) || g.outputs.some((o) => o.name === name)) continue;
    init.tensor.dispose();
    g.initializers.delete(name);
  }
  // a widened initializer left in float (a layer kept in float) is stored without its zeros too
  for (const [name, pads] of padded) {
    const init = g.initializers.get(name);
    if (!init || !used.has(name) || g.outputs.some((o) => o.name === name)) continue;
    g.initializers.delete(name);
    r.padNode(name, init.tensor, pads, name);
    init.tensor.dispose();
  }
  g.nodes.splice(0, g.nodes.length, ...nodes, ...r.added);
  reorder(g);
  return plan.layers.map((l) => {
    const out = l.output ?? byName.get(l.node)!.outputs[0]!;
    return { node: l.node, opType: l.opType, output: out, quantizedOutput: rename.get(out) ?? out };
  });
}

/** The input channels of a Conv, ConvTranspose or Gemm with a float weight initializer (the layers onnxruntime
 * quantizes itself behind a per-tensor Dequantize), else null. */
function floatLayerChannels(g: Graph, n: Node): number | null {
  const w = g.initializers.get(n.inputs[1] ?? '')?.tensor;
  if (n.domain !== '' || !w || w.dtype !== 'float32') return null;
  if (n.opType === 'Conv') return w.shape[1]! * Number(attrInt(n, 'group', 1));
  if (n.opType === 'ConvTranspose') return w.shape[0]!;
  if (n.opType === 'Gemm' && attrInt(n, 'transA', 0) === 0 && w.shape.length === 2) return attrInt(n, 'transB', 0) === 1 ? w.shape[1]! : w.shape[0]!;
  return null;
}

/** The node's inputs with its weight (int8, per channel) and bias (int32) behind Dequantize nodes. */
function weightInputs(r: Rewriter, n: Node, l: PlannedLayer, inputScale: number, pads: readonly { axis: number; from: number }[]): string[] {
  const g = r.g;
  const w = l.weight!;
  const shape = g.initializers.get(w.name)!.tensor.shape;
  const { q, scales } = quantizeWeight(floats(g, w.name), shape, w.axis);
  const channels = scales.length;
  const wq = pads.length ? r.padNode(w.name, tensor(q, shape, 'int8'), pads) : r.init(`${w.name}_q`, tensor(q, shape, 'int8'));
  const fb = l.bias ? floats(g, l.bias) : null;
  // a weight (or bias) that only this node reads is dropped, and its Dequantize takes over its name
  const readers = (name: string): number => g.nodes.filter((m) => m.inputs.includes(name)).length;
  const reuse = (name: string): string | undefined => {
    if (readers(name) !== 1) return undefined;
    g.initializers.get(name)!.tensor.dispose();
    g.initializers.delete(name);
    return name;
  };
  const ws = r.init(`${w.name}_s`, tensor(scales, [channels], 'float32'));
  // onnxruntime's QGemm wants the weight's zero points (all 0) spelled out; the bias's default to 0
  const wz = r.zeroPoints(channels);
  const inputs = [...n.inputs];
  inputs[1] = r.dequantize(w.name, wq, ws, wz, w.axis, reuse(w.name));
  if (l.bias && fb) {
    const b = quantizeBias(fb, inputScale, scales);
    const bq = r.init(`${l.bias}_q`, tensor(b.q, [channels], 'int32'));
    const bs = r.init(`${l.bias}_s`, tensor(b.scales, [channels], 'float32'));
    inputs[2] = r.dequantize(l.bias, bq, bs, null, 0, reuse(l.bias));
  }
  return inputs;
}

/** Sorts the nodes again after the rewrite (the Graph constructor's order, kept stable). */
function reorder(g: Graph): void {
  const given = new Set([...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  const made = new Set<string>();
  const left = [...g.nodes];
  const order: Node[] = [];
  while (left.length) {
    const k = left.findIndex((n) => n.inputs.every((i) => !i || given.has(i) || made.has(i)));
    if (k < 0) throw new Error('quantize: the rewritten graph has a cycle');
    const [n] = left.splice(k, 1);
    order.push(n!);
    for (const o of n!.outputs) made.add(o);
  }
  g.nodes.splice(0, g.nodes.length, ...order);
}
