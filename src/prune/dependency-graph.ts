import { attrInt, attrInts, type Graph, type Node } from '../graph/index.js';
import { countMacs, inferShapes } from '../exec/index.js';
import { convPruner, convTransposePruner, linearPruner, batchNormPruner, type Cut } from './layer-pruners.js';
import { FROZEN, concatAtoms, frozenAtoms, repeatEach, sliceAtoms, sourceAtoms } from './index-mapping.js';
import { finalizeGroups, type Group } from './group.js';
import { matchDecomposedNorm, reduceAxes, type ChannelNorm } from './channel-norm.js';

/** A node left as it is, and why (it mixes channels, is unknown, is ignored, makes the network output...). */
export type Untouched = { node: string; reason: string };

/** A Cut tied to the channel map (an index into DependencyGraph.maps) that its axis follows. */
export type CutRule = Cut & { node: string; map: number; side: 'out' | 'in' };

/** Node edits that surgery makes besides slicing tensors. */
export type Rewrite =
  | { kind: 'group'; node: string; map: number; perGroup: number }
  | { kind: 'split'; node: string; maps: number[] }
  | { kind: 'slice'; node: string; map: number; at: number; start: number; end: number }
  | { kind: 'reshape'; node: string; map: number };

/** A layer whose output channels are new atoms (Conv, ConvTranspose, Gemm, MatMul): the roots of groups. */
export type Source = { node: string; value: string; base: number; size: number };

export type { ChannelNorm } from './channel-norm.js';

/** MACs of one node as `macs * prod(kept(map) / len(map))` over its maps. */
export type MacTerm = { node: string; macs: number; maps: number[] };

/**
 * The channel dependencies of a graph (Torch-Pruning's DependencyGraph). Every value with a channel axis gets a
 * channel map: one atom per position (see index-mapping.ts). The channel axis is 1 unless a Transpose moved it
 * (`valueAxis`, e.g. NHWC between ConvNeXt's permutes, where MatMul acts on the last axis). Layers with weights make new atoms; pass-through
 * ops share their input's map; Add/Mul/Concat/Split/Flatten/depthwise convs relate maps. Atoms that must be removed
 * together are merged (union-find); a merged set is a *unit*, and the sources sharing units form a *Group*.
 * Anything not provably safe is frozen (merged with the FROZEN atom) and listed in `untouched` with a reason.
 *
 * Example: Conv a → BN → Relu → Add(·, Conv b) gives one group {a, b}: unit i is channel i of a, of the BN and of b,
 * with cuts a.weight[i, ...], bn.*[i], b.weight[i, ...] and the consumers' input slices.
 */
export class DependencyGraph {
  readonly maps: Int32Array[] = [];
  readonly valueMaps = new Map<string, number>();
  /** The channel axis of a value whose map is on an axis other than 1. */
  readonly valueAxis = new Map<string, number>();
  /** Normalisations over the channel axis (LayerNorm): removing channels changes their statistics (channel-norm.ts). */
  readonly norms: ChannelNorm[] = [];
  readonly sources: Source[] = [];
  readonly cuts: CutRule[] = [];
  readonly rewrites: Rewrite[] = [];
  readonly macTerms: MacTerm[] = [];
  readonly untouched: Untouched[] = [];
  /** Union-find parents over atoms; atom 0 is FROZEN and always its own root. */
  readonly parent: number[] = [FROZEN];
  /** Unit of each atom (-1 when frozen), and the groups, set by finalize(). */
  unitOf = new Int32Array(0);
  unitCount = 0;
  groups: Group[] = [];
  /** Total MACs counted at the graph's input shape (thop convention). */
  macsTotal = 0;

  constructor(readonly graph: Graph) {}

  find(a: number): number {
    const p = this.parent;
    while (p[a] !== a) a = p[a] = p[p[a]!]!;
    return a;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // FROZEN stays the root of its set, so `find(x) === FROZEN` tells a frozen atom.
    if (rb === FROZEN) this.parent[ra] = rb;
    else this.parent[rb] = ra;
  }

  /** The axis that holds a value's channels (1 unless a Transpose moved it). */
  axisOf(v: string): number {
    return this.valueAxis.get(v) ?? 1;
  }

  /** True when the atom can be removed at all. */
  prunable(atom: number): boolean {
    return this.find(atom) !== FROZEN;
  }
}

/** Options of the analysis: node names to leave untouched. */
export type AnalyzeOptions = { ignore?: readonly string[] };

/** Element-wise on one input: the output's channels are the input's, on the same axis. */
const UNARY = new Set([
  'Relu', 'LeakyRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'HardSwish', 'HardSigmoid', 'Sigmoid', 'Tanh', 'Softplus', 'Softsign', 'Mish',
  'Neg', 'Abs', 'Exp', 'Log', 'Sqrt', 'Erf', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Cast', 'Identity', 'Dropout',
]);
/** Pooling keeps channels apart, but only with channels on axis 1 (NCHW). */
const POOLS = new Set(['MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool']);
const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Clip', 'Where', 'PRelu']);
/** Ops that follow a channel axis other than 1; every other op needs its inputs' channels on axis 1. */
const AXIS_AWARE = new Set(['Transpose', 'MatMul', 'Softmax', 'LogSoftmax', 'Hardmax', 'Shape', 'LayerNormalization', 'Constant']);
const REDUCE = new Set(['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSumExp', 'ReduceSumSquare']);

/** Builds the dependency graph: one pass over the nodes in topological order, then units and groups. */
export function buildDependencyGraph(g: Graph, o: AnalyzeOptions = {}): DependencyGraph {
  if (g.nodes.some((n) => n.outputs.some((v) => v && !g.valueInfo.has(v)))) inferShapes(g);
  const a = new Analyzer(g, new Set(o.ignore ?? []));
  a.run();
  finalizeGroups(a.dg);
  return a.dg;
}

class Analyzer {
  readonly dg: DependencyGraph;
  readonly #noted = new Set<string>();
  readonly #consumers: Map<string, Node[]>;
  readonly #macs: Map<string, number>;
  readonly #constNodes = new Set<string>();
  /** Nodes of a matched channel normalisation that read every channel (their outputs get no map). */
  readonly #stats = new Set<string>();

  constructor(readonly g: Graph, readonly ignore: ReadonlySet<string>) {
    this.dg = new DependencyGraph(g);
    this.#consumers = g.consumers();
    const m = countMacs(g);
    this.#macs = m.byNode;
    this.dg.macsTotal = m.total;
  }

  run(): void {
    for (const i of this.g.inputs) {
      const d = this.dims(i.name);
      if (d && d.length >= 2) this.setMap(i.name, frozenAtoms(d[1]!));
    }
    for (const n of this.g.nodes) {
      if (this.ignore.has(n.name)) this.unknown(n, 'ignored by the user');
      else this.visit(n);
    }
    const producers = this.g.producers();
    for (const o of this.g.outputs) {
      const p = producers.get(o.name);
      this.freezeValue(o.name, p?.name ?? o.name, `produces the network output '${o.name}'`);
    }
  }

  // --- helpers ---------------------------------------------------------------------------------------------------

  dims(v: string | undefined): number[] | null {
    if (!v) return null;
    const init = this.g.initializers.get(v);
    if (init) return init.tensor.shape;
    const s = this.g.valueInfo.get(v)?.shape;
    return s ? s.map((d) => (typeof d === 'number' ? d : 1)) : null;
  }

  isInit(v: string | undefined): boolean {
    return !!v && this.g.initializers.has(v);
  }

  isConst(v: string | undefined): boolean {
    return !!v && (this.g.initializers.has(v) || this.#constNodes.has(v));
  }

  ints(v: string | undefined): number[] | null {
    const t = v ? this.g.initializers.get(v)?.tensor : undefined;
    return t ? t.toArray() : null;
  }

  mapOf(v: string | undefined): number | undefined {
    return v ? this.dg.valueMaps.get(v) : undefined;
  }

  atoms(map: number): Int32Array {
    return this.dg.maps[map]!;
  }

  setMap(v: string, atoms: Int32Array, axis = 1): number {
    this.dg.maps.push(atoms);
    const id = this.dg.maps.length - 1;
    this.shareMap(v, id, axis);
    return id;
  }

  /** Gives value `v` the channel map `m` on `axis`. */
  shareMap(v: string, m: number, axis = 1): void {
    this.dg.valueMaps.set(v, m);
    if (axis === 1) this.dg.valueAxis.delete(v);
    else this.dg.valueAxis.set(v, axis);
  }

  axisOf(v: string): number {
    return this.dg.axisOf(v);
  }

  note(node: string, reason: string): void {
    const key = `${node}\u0000${reason}`;
    if (this.#noted.has(key)) return;
    this.#noted.add(key);
    this.dg.untouched.push({ node, reason });
  }

  freezeValue(v: string, node: string, reason: string): void {
    const m = this.mapOf(v);
    if (m === undefined) return;
    let any = false;
    for (const atom of this.atoms(m)) {
      if (this.dg.prunable(atom)) any = true;
      this.dg.union(FROZEN, atom);
    }
    if (any) this.note(node, reason);
  }

  frozenOutputs(n: Node): void {
    for (const o of n.outputs) {
      const d = this.dims(o);
      if (o && d && d.length >= 2) this.setMap(o, frozenAtoms(d[1]!));
    }
  }

  /** Leaves a node as it is: none of its input or output channels may be removed. */
  unknown(n: Node, reason: string): void {
    for (const i of n.inputs) if (i) this.freezeValue(i, n.name, reason);
    this.frozenOutputs(n);
    if (!this.#noted.has(`${n.name}\u0000${reason}`)) this.note(n.name, reason);
  }

  passThrough(n: Node, from = n.inputs[0]): void {
    const m = this.mapOf(from);
    if (m === undefined) return this.frozenOutputs(n);
    const c = this.atoms(m).length;
    const ax = this.axisOf(from!);
    for (const o of n.outputs) {
      const d = this.dims(o);
      if (!o || !d || d.length < 2) continue;
      if (d[ax] === c) this.shareMap(o, m, ax);
      else this.setMap(o, frozenAtoms(d[1]!));
    }
  }

  unionMaps(x: number, y: number): void {
    const ax = this.atoms(x);
    const ay = this.atoms(y);
    for (let i = 0; i < ax.length; i++) this.dg.union(ax[i]!, ay[i]!);
  }

  newSource(n: Node, size: number, axis = 1): number {
    const base = this.dg.parent.length;
    for (let i = 0; i < size; i++) this.dg.parent.push(base + i);
    this.dg.sources.push({ node: n.name, value: n.outputs[0]!, base, size });
    return this.setMap(n.outputs[0]!, sourceAtoms(base, size), axis);
  }

  cut(n: Node, cuts: readonly Cut[], map: number, side: 'out' | 'in' = 'out'): void {
    for (const c of cuts) this.dg.cuts.push({ ...c, node: n.name, map, side });
  }

  mac(n: Node, maps: number[]): void {
    const macs = this.#macs.get(n.name);
    if (macs) this.dg.macTerms.push({ node: n.name, macs, maps });
  }

  // --- op handlers -----------------------------------------------------------------------------------------------

  visit(n: Node): void {
    const op = n.opType;
    if (n.domain !== '' && n.domain !== 'ai.onnx') return this.unknown(n, `op ${n.domain}::${op} is not known to keep channels apart`);
    if (this.#stats.has(n.name)) return; // inside a matched LayerNorm: statistics over all channels, no map
    if (op === 'Constant') {
      for (const o of n.outputs) if (o) this.#constNodes.add(o);
      return;
    }
    const moved = n.inputs.find((i) => i && this.mapOf(i) !== undefined && this.axisOf(i) !== 1);
    if (moved && !AXIS_AWARE.has(op) && !UNARY.has(op) && !ELEMENTWISE.has(op) && !REDUCE.has(op)) {
      return this.unknown(n, `${op} on a value whose channels are on axis ${this.axisOf(moved)}, not 1`);
    }
    if (op === 'Conv') return this.conv(n);
    if (op === 'ConvTranspose') return this.convTranspose(n);
    if (op === 'Gemm' || op === 'MatMul') return this.linear(n);
    if (op === 'BatchNormalization' || op === 'InstanceNormalization') return this.norm(n);
    if (op === 'Clip' && n.inputs.slice(1).every((i) => !i || this.isConst(i))) return this.elementwise(n);
    if (ELEMENTWISE.has(op)) return this.elementwise(n);
    if (UNARY.has(op) || POOLS.has(op)) return this.passThrough(n);
    if (op === 'LayerNormalization') return this.layerNorm(n);
    if (REDUCE.has(op)) return this.reduce(n);
    switch (op) {
      case 'Concat': return this.concat(n);
      case 'Split': return this.split(n);
      case 'Slice': return this.slice(n);
      case 'Flatten': return this.flatten(n);
      case 'Reshape': return this.reshape(n);
      case 'Squeeze': case 'Unsqueeze': return this.squeeze(n);
      case 'Transpose': return this.transpose(n);
      case 'Softmax': case 'LogSoftmax': case 'Hardmax': {
        const rank = this.dims(n.inputs[0])?.length ?? 2;
        const ax = attrInt(n, 'axis', this.g.opset >= 13 ? -1 : 1);
        const norm = ax < 0 ? ax + rank : ax;
        const over = this.g.opset >= 13 ? [norm] : Array.from({ length: rank - norm }, (_, i) => norm + i);
        const chan = n.inputs[0] && this.mapOf(n.inputs[0]) !== undefined ? this.axisOf(n.inputs[0]) : 1;
        return norm > 0 && !over.includes(chan) ? this.passThrough(n) : this.unknown(n, `${op} over the channel axis mixes channels`);
      }
      case 'Shape': return this.shape(n);
      case 'Pad': {
        const pads = n.inputs[1] ? this.ints(n.inputs[1]) : [...attrInts(n, 'pads', [])];
        const rank = this.dims(n.inputs[0])?.length ?? 0;
        const ok = pads !== null && pads[0] === 0 && pads[1] === 0 && pads[rank] === 0 && pads[rank + 1] === 0 && (!n.inputs[3] || this.isConst(n.inputs[3]));
        return ok ? this.passThrough(n) : this.unknown(n, 'Pad on the batch or channel axis, or with computed pads');
      }
      case 'Resize': case 'Upsample':
        return n.inputs[3] ? this.unknown(n, `${op} with explicit sizes fixes the channel count`) : this.passThrough(n);
      default:
        return this.unknown(n, `op ${op} is not known to keep channels apart`);
    }
  }

  conv(n: Node): void {
    const [x, w, b] = n.inputs;
    if (!this.isInit(w) || (b && !this.isInit(b))) return this.unknown(n, 'Conv weights are computed, not initializers');
    const xin = this.mapOf(x);
    const group = attrInt(n, 'group', 1);
    const out = this.newSource(n, convPruner.getOutChannels(n, this.g));
    if (xin === undefined) return this.unknown(n, 'Conv input has no known channel axis');
    this.cut(n, convPruner.pruneOutChannels(n, this.g), out);
    if (group === 1) {
      this.cut(n, convPruner.pruneInChannels(n, this.g), xin, 'in');
      return this.mac(n, [out, xin]);
    }
    // Grouped and depthwise: a group's input and output channels go together, so whole groups are removed.
    const ins = this.atoms(xin);
    const outs = this.atoms(out);
    const ig = ins.length / group;
    const og = outs.length / group;
    for (let k = 0; k < group; k++) {
      const first = outs[k * og]!;
      for (let j = 0; j < og; j++) this.dg.union(first, outs[k * og + j]!);
      for (let j = 0; j < ig; j++) this.dg.union(first, ins[k * ig + j]!);
    }
    this.dg.rewrites.push({ kind: 'group', node: n.name, map: out, perGroup: og });
    this.mac(n, [out]);
  }

  convTranspose(n: Node): void {
    const [x, w, b] = n.inputs;
    if (!this.isInit(w) || (b && !this.isInit(b))) return this.unknown(n, 'ConvTranspose weights are computed, not initializers');
    if (attrInt(n, 'group', 1) !== 1) return this.unknown(n, 'grouped ConvTranspose is not pruned');
    if (n.attrs['output_shape']) return this.unknown(n, 'ConvTranspose with an explicit output_shape');
    const xin = this.mapOf(x);
    if (xin === undefined) return this.unknown(n, 'ConvTranspose input has no known channel axis');
    const out = this.newSource(n, convTransposePruner.getOutChannels(n, this.g));
    this.cut(n, convTransposePruner.pruneOutChannels(n, this.g), out);
    this.cut(n, convTransposePruner.pruneInChannels(n, this.g), xin, 'in');
    this.mac(n, [xin, out]);
  }

  /** Gemm, or MatMul by a 2-D weight on the last axis: features in on x's last axis, out on the output's. */
  linear(n: Node): void {
    const [x, w] = n.inputs;
    const xd = this.dims(x);
    if (this.isConst(x) || !this.isInit(w) || this.dims(w)?.length !== 2) return this.unknown(n, `${n.opType} without a 2-D initializer weight`);
    const rank = xd?.length ?? 0;
    if (rank < 2 || (n.opType === 'Gemm' && rank !== 2)) return this.unknown(n, `${n.opType} on a rank-${xd?.length ?? '?'} input`);
    if (n.opType === 'Gemm' && attrInt(n, 'transA', 0) !== 0) return this.unknown(n, 'Gemm with transA');
    const xin = this.mapOf(x);
    if (xin === undefined || this.axisOf(x!) !== rank - 1) return this.unknown(n, `${n.opType} over an axis that is not the input's channel axis`);
    const c = n.opType === 'Gemm' ? n.inputs[2] : undefined;
    const outN = linearPruner.getOutChannels(n, this.g);
    if (c && (!this.isInit(c) || !this.cShapeOk(this.dims(c)!, outN))) return this.unknown(n, 'Gemm with a computed or 2-D bias');
    const out = this.newSource(n, outN, rank - 1);
    this.cut(n, linearPruner.pruneOutChannels(n, this.g), out);
    this.cut(n, linearPruner.pruneInChannels(n, this.g), xin, 'in');
    this.mac(n, [out, xin]);
  }

  cShapeOk(d: number[], out: number): boolean {
    const numel = d.reduce((p, q) => p * q, 1);
    return numel === 1 || (numel === out && d[d.length - 1] === out);
  }

  norm(n: Node): void {
    const m = this.mapOf(n.inputs[0]);
    const params = n.inputs.slice(1);
    if (m === undefined || !params.every((p) => this.isInit(p))) return this.unknown(n, `${n.opType} with computed parameters`);
    this.cut(n, batchNormPruner.pruneOutChannels(n, this.g), m);
    this.passThrough(n);
  }

  /**
   * Broadcasting element-wise ops: full-channel operands are coupled; per-channel constants are cut with them. The
   * channel axis is that of a full-rank operand with a map (operands mapped on another axis, broadcast over this
   * one, are frozen: their channels meet this value's positions).
   */
  elementwise(n: Node): void {
    const out = n.outputs[0]!;
    const od = this.dims(out);
    if (!od || od.length < 2) return this.unknown(n, `${n.opType} output has no channel axis`);
    const rank = od.length;
    const ins = n.inputs.filter((i): i is string => !!i);
    const mapped = ins.filter((i) => this.mapOf(i) !== undefined && this.dims(i)?.length === rank && this.dims(i)![this.axisOf(i)] === od[this.axisOf(i)]);
    // Prefer an axis whose operand still has removable channels (a LayerNorm's statistics carry a frozen map on 1).
    const live = (i: string): boolean => this.atoms(this.mapOf(i)!).some((a) => this.dg.prunable(a));
    const axes = [...new Set([...mapped.filter(live), ...mapped].map((i) => this.axisOf(i)))];
    const nchw = ins.every((i) => this.mapOf(i) === undefined || this.axisOf(i) === 1);
    if (nchw && !axes.includes(1)) axes.push(1);
    let why = '';
    for (const ax of axes) {
      const plan = this.elementwiseOn(ins, ax, od);
      if (typeof plan === 'string') {
        why ||= plan;
        continue;
      }
      // Nothing carries channels (constants, broadcast operands): the output's channels are new and frozen.
      if (plan.coupled.length === 0) {
        if (nchw) return this.frozenOutputs(n);
        why ||= `${n.opType} has no operand with channels on axis ${ax}`;
        continue;
      }
      const [first, ...rest] = plan.coupled;
      for (const m of rest) this.unionMaps(first!, m);
      for (const k of plan.constants) this.cut(n, [{ init: k, axis: ax - (rank - this.dims(k)!.length), role: 'constant' }], first!);
      for (const v of plan.across) this.freezeValue(v, n.name, `'${v}' has its channels on another axis of the output`);
      return this.shareMap(out, first!, ax);
    }
    return this.unknown(n, why || `${n.opType} mixes channel axes`);
  }

  /** How the operands of an element-wise op relate on channel axis `ax`, or why they cannot. */
  elementwiseOn(ins: string[], ax: number, od: number[]): { coupled: number[]; constants: string[]; across: string[] } | string {
    const rank = od.length;
    const c = od[ax]!;
    const coupled: number[] = [];
    const constants: string[] = [];
    const across: string[] = [];
    for (const i of ins) {
      const d = this.dims(i);
      if (!d) return `input '${i}' has no known shape`;
      const a = ax - (rank - d.length);
      const m = this.mapOf(i);
      if (a < 0 || d[a] === 1) {
        // broadcast over channels
        if (m !== undefined && d.length === rank && this.axisOf(i) !== ax && this.atoms(m).length > 1) across.push(i);
        continue;
      }
      if (d[a] !== c) return `input '${i}' broadcasts oddly over channels`;
      if (this.isInit(i)) constants.push(i);
      else if (this.isConst(i)) return 'a per-channel constant from a Constant node';
      else if (d.length !== rank || m === undefined || this.axisOf(i) !== ax) return `input '${i}' has its channels on another axis`;
      else coupled.push(m);
    }
    return { coupled, constants, across };
  }

  reduce(n: Node): void {
    const x = n.inputs[0]!;
    const rank = this.dims(x)?.length ?? 0;
    const axes = reduceAxes(this.g, n, rank);
    if (axes === null) return this.unknown(n, `${n.opType} with computed axes`);
    const m = this.mapOf(x);
    const chan = m === undefined ? 1 : this.axisOf(x);
    if (m !== undefined && axes.length === 1 && axes[0] === chan) {
      const ln = matchDecomposedNorm(this.g, this.#consumers, n, chan);
      if (ln) {
        for (const s of ln.stats) this.#stats.add(s);
        this.dg.norms.push({ kind: 'decomposed', ...ln, map: m, axis: chan });
        return;
      }
    }
    if (axes.length === 0 || axes.includes(0) || axes.includes(chan)) return this.unknown(n, `${n.opType} over the batch or channel axis`);
    if (chan !== 1 && attrInt(n, 'keepdims', 1) === 0 && axes.some((a) => a < chan)) return this.unknown(n, `${n.opType} without keepdims moves the channel axis`);
    this.passThrough(n);
  }

  /** Transpose: the channels follow their axis through the permutation. */
  transpose(n: Node): void {
    const x = n.inputs[0]!;
    const m = this.mapOf(x);
    const rank = this.dims(x)?.length ?? 0;
    const perm = attrInts(n, 'perm', Array.from({ length: rank }, (_, i) => rank - 1 - i));
    if (m === undefined) return this.frozenOutputs(n);
    const to = perm.indexOf(this.axisOf(x));
    if (to <= 0 || perm[0] !== 0) return this.unknown(n, 'Transpose moves the batch axis or drops the channel axis');
    this.shareMap(n.outputs[0]!, m, to);
  }

  /** LayerNormalization over exactly the channel axis (the last one): scale and bias are cut per channel. */
  layerNorm(n: Node): void {
    const [x, scale, bias] = n.inputs;
    const m = this.mapOf(x);
    const rank = this.dims(x)?.length ?? 0;
    const ax0 = attrInt(n, 'axis', -1);
    const chan = m === undefined ? -1 : this.axisOf(x!);
    if (m === undefined || (ax0 < 0 ? ax0 + rank : ax0) !== chan || chan !== rank - 1) return this.unknown(n, 'LayerNormalization over axes other than exactly the channel axis');
    if (!this.isInit(scale) || (bias && !this.isInit(bias)) || n.outputs.length > 1 && n.outputs.slice(1).some((o) => o)) return this.unknown(n, 'LayerNormalization with computed parameters or statistics outputs');
    this.cut(n, [{ init: scale!, axis: 0, role: 'constant' }, ...(bias ? [{ init: bias, axis: 0, role: 'constant' as const }] : [])], m);
    this.dg.norms.push({ kind: 'op', node: n.name, map: m, axis: chan, stats: [n.name] });
    this.shareMap(n.outputs[0]!, m, chan);
  }

  concat(n: Node): void {
    const rank = this.dims(n.outputs[0])?.length ?? 0;
    const ax0 = attrInt(n, 'axis', 0);
    const ax = ax0 < 0 ? ax0 + rank : ax0;
    const ins = n.inputs.filter((i) => i);
    if (ax !== 1) return this.elementwiseSameShape(n, ins);
    const parts: Int32Array[] = [];
    for (const i of ins) {
      const m = this.mapOf(i);
      parts.push(m === undefined ? frozenAtoms(this.dims(i)?.[1] ?? 0) : this.atoms(m));
    }
    this.setMap(n.outputs[0]!, concatAtoms(parts));
  }

  /** Concat on a non-channel axis: every input's channels line up with the output's. */
  elementwiseSameShape(n: Node, ins: string[]): void {
    const maps = ins.map((i) => this.mapOf(i));
    if (maps.some((m) => m === undefined)) return this.unknown(n, `${n.opType} of constants on a non-channel axis`);
    for (const m of maps.slice(1)) this.unionMaps(maps[0]!, m!);
    this.dg.valueMaps.set(n.outputs[0]!, maps[0]!);
  }

  split(n: Node): void {
    const m = this.mapOf(n.inputs[0]);
    const rank = this.dims(n.inputs[0])?.length ?? 0;
    const ax0 = attrInt(n, 'axis', 0);
    if (m === undefined) return this.unknown(n, 'Split of a value without channels');
    if ((ax0 < 0 ? ax0 + rank : ax0) !== 1) return this.passThrough(n);
    if (n.inputs[1] && !this.isInit(n.inputs[1])) return this.unknown(n, 'Split with computed sizes');
    let at = 0;
    const maps: number[] = [];
    for (const o of n.outputs) {
      const size = this.dims(o)?.[1] ?? 0;
      maps.push(this.setMap(o, sliceAtoms(this.atoms(m), at, at + size)));
      at += size;
    }
    this.dg.rewrites.push({ kind: 'split', node: n.name, maps });
  }

  slice(n: Node): void {
    const m = this.mapOf(n.inputs[0]);
    if (m === undefined) return this.unknown(n, 'Slice of a value without channels');
    const rank = this.dims(n.inputs[0])?.length ?? 0;
    if (n.inputs.length < 3) return this.unknown(n, 'Slice with attribute bounds (opset 1)');
    const [starts, ends] = [this.ints(n.inputs[1]), this.ints(n.inputs[2])];
    const axes = n.inputs[3] ? this.ints(n.inputs[3]) : starts?.map((_, i) => i) ?? null;
    const steps = n.inputs[4] ? this.ints(n.inputs[4]) : starts?.map(() => 1) ?? null;
    if (!starts || !ends || !axes || !steps) return this.unknown(n, 'Slice with computed bounds');
    const at = axes.findIndex((x) => (x < 0 ? x + rank : x) === 1);
    if (at < 0) return this.passThrough(n);
    if (steps[at] !== 1) return this.unknown(n, 'Slice on channels with a step other than 1');
    const c = this.atoms(m).length;
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + c : v, 0), c);
    const start = clamp(starts[at]!);
    const end = Math.max(start, clamp(ends[at]!));
    this.setMap(n.outputs[0]!, sliceAtoms(this.atoms(m), start, end));
    this.dg.rewrites.push({ kind: 'slice', node: n.name, map: m, at, start, end });
  }

  flatten(n: Node): void {
    const d = this.dims(n.inputs[0]);
    const m = this.mapOf(n.inputs[0]);
    const ax0 = attrInt(n, 'axis', 1);
    if (!d || m === undefined || (ax0 < 0 ? ax0 + d.length : ax0) !== 1) return this.unknown(n, 'Flatten that merges the batch and channel axes');
    this.setMap(n.outputs[0]!, repeatEach(this.atoms(m), d.slice(2).reduce((p, q) => p * q, 1)));
  }

  reshape(n: Node): void {
    const s = this.dims(n.inputs[0]);
    const t = this.dims(n.outputs[0]);
    const m = this.mapOf(n.inputs[0]);
    if (!s || !t || m === undefined) return this.unknown(n, 'Reshape of a value without channels');
    if (!this.isInit(n.inputs[1])) return this.unknown(n, 'Reshape with a computed shape');
    const target = this.ints(n.inputs[1])!;
    const ones = (xs: number[]): boolean => xs.every((x) => x === 1);
    const rest = s.slice(2).reduce((p, q) => p * q, 1);
    if (target.length !== t.length || s[0] !== t[0] || s.length < 2 || t.length < 2) return this.unknown(n, 'Reshape that moves the channel axis');
    let out: Int32Array;
    if (s[1] === t[1] && ones(s.slice(2)) && ones(t.slice(2))) out = this.atoms(m);
    else if (t.length === 2 && t[1] === s[1]! * rest) out = repeatEach(this.atoms(m), rest);
    else return this.unknown(n, 'Reshape that mixes channels');
    const id = this.setMap(n.outputs[0]!, out);
    this.dg.rewrites.push({ kind: 'reshape', node: n.name, map: id });
  }

  squeeze(n: Node): void {
    const inRank = this.dims(n.inputs[0])?.length ?? 0;
    const outRank = this.dims(n.outputs[0])?.length ?? 0;
    const axes = n.inputs[1] ? this.ints(n.inputs[1]) : [...attrInts(n, 'axes', [])];
    const rank = n.opType === 'Squeeze' ? inRank : outRank;
    if (!axes || axes.length === 0 || axes.some((x) => (x < 0 ? x + rank : x) < 2)) return this.unknown(n, `${n.opType} on the batch or channel axis`);
    this.passThrough(n);
  }

  /** Shape reads dims; only the batch dim (Gather index 0) is safe to read when channels change. */
  shape(n: Node): void {
    const start = attrInt(n, 'start', 0);
    const end = n.attrs['end'] ? attrInt(n, 'end', 0) : undefined;
    if (start === 0 && end === 1) return;
    const uses = this.#consumers.get(n.outputs[0]!) ?? [];
    const batchOnly = uses.every((u) => u.opType === 'Gather' && attrInt(u, 'axis', 0) === 0 && this.ints(u.inputs[1])?.every((i) => i === 0) === true);
    if (!batchOnly) this.freezeValue(n.inputs[0]!, n.name, 'its shape is read by a Shape op');
  }
}

