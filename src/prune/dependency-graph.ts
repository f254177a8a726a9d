import { attrInt, attrInts, type Graph, type Node } from '../graph/index.js';
import { countMacs, inferShapes } from '../exec/index.js';
import { convPruner, convTransposePruner, linearPruner, batchNormPruner, type Cut } from './layer-pruners.js';
import { FROZEN, concatAtoms, frozenAtoms, repeatEach, sliceAtoms, sourceAtoms } from './index-mapping.js';
import { finalizeGroups, type Group } from './group.js';

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

/** MACs of one node as `macs * prod(kept(map) / len(map))` over its maps. */
export type MacTerm = { node: string; macs: number; maps: number[] };

/**
 * The channel dependencies of a graph (Torch-Pruning's DependencyGraph). Every value with a channel axis (axis 1)
 * gets a channel map: one atom per position (see index-mapping.ts). Layers with weights make new atoms; pass-through
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

  /** True when the atom can be removed at all. */
  prunable(atom: number): boolean {
    return this.find(atom) !== FROZEN;
  }
}

/** Options of the analysis: node names to leave untouched. */
export type AnalyzeOptions = { ignore?: readonly string[] };

const PASS_THROUGH = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'HardSwish', 'HardSigmoid', 'Sigmoid', 'Tanh', 'Softplus', 'Softsign', 'Mish',
  'Neg', 'Abs', 'Exp', 'Log', 'Sqrt', 'Erf', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Cast', 'Identity', 'Dropout',
  'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool',
]);
const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Clip', 'Where', 'PRelu']);
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

  setMap(v: string, atoms: Int32Array): number {
    this.dg.maps.push(atoms);
    const id = this.dg.maps.length - 1;
    this.dg.valueMaps.set(v, id);
    return id;
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
    for (const o of n.outputs) {
      const d = this.dims(o);
      if (!o || !d || d.length < 2) continue;
      if (d[1] === c) this.dg.valueMaps.set(o, m);
      else this.setMap(o, frozenAtoms(d[1]!));
    }
  }

  unionMaps(x: number, y: number): void {
    const ax = this.atoms(x);
    const ay = this.atoms(y);
    for (let i = 0; i < ax.length; i++) this.dg.union(ax[i]!, ay[i]!);
  }

  newSource(n: Node, size: number): number {
    const base = this.dg.parent.length;
    for (let i = 0; i < size; i++) this.dg.parent.push(base + i);
    this.dg.sources.push({ node: n.name, value: n.outputs[0]!, base, size });
    return this.setMap(n.outputs[0]!, sourceAtoms(base, size));
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
    if (op === 'Constant') {
      for (const o of n.outputs) if (o) this.#constNodes.add(o);
      return;
    }
    if (op === 'Conv') return this.conv(n);
    if (op === 'ConvTranspose') return this.convTranspose(n);
    if (op === 'Gemm' || op === 'MatMul') return this.linear(n);
    if (op === 'BatchNormalization' || op === 'InstanceNormalization') return this.norm(n);
    if (op === 'Clip' && n.inputs.slice(1).every((i) => !i || this.isConst(i))) return this.elementwise(n);
    if (ELEMENTWISE.has(op)) return this.elementwise(n);
    if (PASS_THROUGH.has(op)) return this.passThrough(n);
    if (REDUCE.has(op)) return this.reduce(n);
    switch (op) {
      case 'Concat': return this.concat(n);
      case 'Split': return this.split(n);
      case 'Slice': return this.slice(n);
      case 'Flatten': return this.flatten(n);
      case 'Reshape': return this.reshape(n);
      case 'Squeeze': case 'Unsqueeze': return this.squeeze(n);
      case 'Transpose': {
        const perm = attrInts(n, 'perm', []);
        return perm[0] === 0 && perm[1] === 1 ? this.passThrough(n) : this.unknown(n, 'Transpose moves the channel axis');
      }
      case 'Softmax': case 'LogSoftmax': case 'Hardmax': {
        const rank = this.dims(n.inputs[0])?.length ?? 2;
        const ax = attrInt(n, 'axis', this.g.opset >= 13 ? -1 : 1);
        const norm = ax < 0 ? ax + rank : ax;
        return norm > 1 ? this.passThrough(n) : this.unknown(n, `${op} over the channel axis mixes channels`);
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

  linear(n: Node): void {
    const [x, w] = n.inputs;
    const xd = this.dims(x);
    if (this.isConst(x) || !this.isInit(w) || this.dims(w)?.length !== 2) return this.unknown(n, `${n.opType} without a 2-D initializer weight`);
    if (xd?.length !== 2) return this.unknown(n, `${n.opType} on a rank-${xd?.length ?? '?'} input (features must be axis 1)`);
    if (n.opType === 'Gemm' && attrInt(n, 'transA', 0) !== 0) return this.unknown(n, 'Gemm with transA');
    const c = n.opType === 'Gemm' ? n.inputs[2] : undefined;
    const outN = linearPruner.getOutChannels(n, this.g);
    if (c && (!this.isInit(c) || !this.cShapeOk(this.dims(c)!, outN))) return this.unknown(n, 'Gemm with a computed or 2-D bias');
    const xin = this.mapOf(x)!;
    const out = this.newSource(n, outN);
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

  /** Broadcasting element-wise ops: full-channel operands are coupled; per-channel constants are cut with them. */
  elementwise(n: Node): void {
    const out = n.outputs[0]!;
    const od = this.dims(out);
    if (!od || od.length < 2) return this.unknown(n, `${n.opType} output has no channel axis`);
    const c = od[1]!;
    const rank = od.length;
    const coupled: number[] = [];
    const constants: string[] = [];
    for (const i of n.inputs) {
      if (!i) continue;
      const d = this.dims(i);
      if (!d) return this.unknown(n, `input '${i}' has no known shape`);
      const ax = 1 - (rank - d.length);
      if (ax < 0 || d[ax] === 1) continue; // broadcast over channels
      if (d[ax] !== c) return this.unknown(n, `input '${i}' broadcasts oddly over channels`);
      if (this.isInit(i)) constants.push(i);
      else if (this.isConst(i)) return this.unknown(n, 'a per-channel constant from a Constant node');
      else if (d.length !== rank || this.mapOf(i) === undefined) return this.unknown(n, `input '${i}' has its channels on another axis`);
      else coupled.push(this.mapOf(i)!);
    }
    if (coupled.length === 0) return this.frozenOutputs(n);
    for (const m of coupled.slice(1)) this.unionMaps(coupled[0]!, m);
    for (const k of constants) this.cut(n, [{ init: k, axis: 1 - (rank - this.dims(k)!.length), role: 'constant' }], coupled[0]!);
    this.dg.valueMaps.set(out, coupled[0]!);
  }

  reduce(n: Node): void {
    const rank = this.dims(n.inputs[0])?.length ?? 0;
    const given = n.inputs[1] ? this.ints(n.inputs[1]) : [...attrInts(n, 'axes', [])];
    if (given === null) return this.unknown(n, `${n.opType} with computed axes`);
    const axes = given.map((x) => (x < 0 ? x + rank : x));
    if (axes.length === 0 || axes.includes(0) || axes.includes(1)) return this.unknown(n, `${n.opType} over the batch or channel axis`);
    this.passThrough(n);
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

