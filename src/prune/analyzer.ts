import { attrInts, type Graph, type Node } from '../graph/index.js';
import { countMacs, shapeAtBatch1 } from '../exec/index.js';
import type { Cut } from './layer-pruners.js';
import { FROZEN, frozenAtoms, sourceAtoms } from './index-mapping.js';
import type { DependencyGraph } from './dependency-graph.js';
import type { GroupKind } from './group.js';

/** The state of one analysis pass and the map operations the op rules share (channel-rules.ts, layer-rules.ts, shape-rules.ts). */
export class Analyzer {
  readonly #noted = new Set<string>();
  readonly consumers: Map<string, Node[]>;
  readonly #macs: Map<string, number>;
  readonly #producers: Map<string, Node>;
  /** Values made by Constant nodes. */
  readonly constNodes = new Set<string>();
  /** Nodes of a matched pattern analysed as one (attention): what visiting each does instead of its op rule. */
  readonly patterns = new Map<string, () => void>();
  /** Nodes of a matched channel normalisation that read every channel (their outputs get no map). */
  readonly stats = new Set<string>();

  constructor(readonly g: Graph, readonly dg: DependencyGraph) {
    this.consumers = g.consumers();
    this.#producers = g.producers();
    const m = countMacs(g);
    this.#macs = m.byNode;
    this.dg.macsTotal = m.total;
  }

  /** The network's inputs carry channels that are never removed. */
  markInputs(): void {
    const consumers = this.g.consumers();
    for (const i of this.g.inputs) {
      const d = this.dims(i.name);
      if (!d || d.length < 2) continue;
      // an input that every reader transposes the same way (NHWC images into NCHW convs, as tf2onnx writes Keras
      // models) has its channels on the axis that the Transpose moves to 1
      const perms = (consumers.get(i.name) ?? []).map((n) => (n.opType === 'Transpose' ? attrInts(n, 'perm', []) : null));
      const to1 = perms.length && perms.every((p) => p && p.length === d.length && p[0] === 0 && p[1] === perms[0]![1]) ? perms[0]![1]! : 1;
      this.setMap(i.name, frozenAtoms(d[to1]!), to1);
    }
  }

  /** The network's outputs keep every channel. */
  freezeOutputs(): void {
    const producers = this.g.producers();
    for (const o of this.g.outputs) {
      const p = producers.get(o.name);
      this.freezeValue(o.name, p?.name ?? o.name, `produces the network output '${o.name}'`);
    }
  }

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
    return !!v && (this.g.initializers.has(v) || this.constNodes.has(v));
  }

  /**
   * The entries of a shape operand: an int64 initializer, or a Concat (axis 0) of pieces where the computed ones
   * (Shape-derived batch sizes) read as null; `locate` names the initializer input holding one entry (to rewrite it),
   * or null when computed or read by more than this node.
   */
  shapeEntries(reader: Node, input: number): { values: (number | null)[]; locate: (at: number) => { node: string; input: number; at: number } | null } | null {
    const v = reader.inputs[input];
    if (!v) return null;
    const own = this.ints(v);
    if (own) return { values: own, locate: (at) => ({ node: reader.name, input, at }) };
    const p = this.producer(v);
    // torch's expand(-1, ...) exports Where(shape == -1, 1, shape): where the condition is constant the entry is known
    if (p?.opType === 'Where') {
      const [cond, a, b] = [this.ints(p.inputs[0]), this.ints(p.inputs[1]), this.ints(p.inputs[2])];
      if (!cond || !a || a.length !== cond.length) return null;
      return { values: cond.map((c, i) => (c ? a[i]! : b ? b[i]! : null)), locate: () => null };
    }
    if (p?.opType !== 'Concat' || (this.consumers.get(v) ?? []).length !== 1) return null;
    const values: (number | null)[] = [];
    const where: { node: string; input: number; at: number }[] = [];
    for (let k = 0; k < p.inputs.length; k++) {
      const piece = p.inputs[k]!;
      const len = this.dims(piece)?.[0] ?? (this.dims(piece)?.length === 0 ? 1 : null);
      if (len === null || len === undefined) return null;
      const vals = this.ints(piece);
      for (let i = 0; i < len; i++) {
        values.push(vals ? vals[i]! : null);
        where.push({ node: p.name, input: k, at: i });
      }
    }
    return { values, locate: (at) => (this.ints(p.inputs[where[at]!.input]) ? where[at]! : null) };
  }

  /** The node that makes value `v` (undefined for inputs and initializers). */
  producer(v: string | undefined): Node | undefined {
    return v ? this.#producers.get(v) : undefined;
  }

  /**
   * The initializer a value is (or broadcasts without changing any of its axes longer than 1, by Expand), with its
   * axes aligned to the value's; null otherwise.
   */
  constOrigin(v: string): string | null {
    if (this.isInit(v)) return v;
    const p = this.producer(v);
    if (p?.opType !== 'Expand') return null;
    const init = this.constOrigin(p.inputs[0]!);
    const d = init ? this.dims(p.inputs[0]) : null;
    const shape = this.shapeEntries(p, 1);
    const out = this.dims(v);
    if (!init || !d || !shape || !out || d.length !== out.length) return null;
    const off = out.length - shape.values.length;
    return d.every((x, i) => x === 1 || i < off || shape.values[i - off] === 1) ? init : null;
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

  /** A channel map that no value holds (the gate rows of a recurrent layer's W; head and dimension counts of attention). */
  newMap(atoms: Int32Array): number {
    this.dg.maps.push(atoms);
    return this.dg.maps.length - 1;
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

  /**
   * Leaves a node as it is: none of its input or output channels may be removed. A node that reads no value with
   * channels (shape arithmetic: Gather of a Shape, Concat of sizes, ConstantOfShape) is not reported: it cuts nothing.
   */
  unknown(n: Node, reason: string): void {
    const reads = n.inputs.some((i) => i && this.mapOf(i) !== undefined);
    for (const i of n.inputs) if (i) this.freezeValue(i, n.name, reason);
    this.frozenOutputs(n);
    // a node computing from constants only (Swin's shifted-window mask: ScatterND, Equal, Where ...) cuts nothing
    if ((reads && !n.inputs.every((i) => !i || this.fromConstants(i))) || n.inputs.every((i) => !i)) this.note(n.name, reason);
  }

  #fromConstants: Set<string> | null = null;

  /** True when `v` is computed from initializers and Constant nodes only (no network input reaches it). */
  fromConstants(v: string): boolean {
    if (this.isConst(v)) return true;
    if (!this.#fromConstants) {
      // one pass in topological order
      const set = new Set<string>();
      const known = (i: string): boolean => !i || this.g.initializers.has(i) || set.has(i);
      for (const n of this.g.nodes) if (n.opType === 'Constant' || (n.inputs.length > 0 && n.inputs.every(known))) for (const o of n.outputs) if (o) set.add(o);
      this.#fromConstants = set;
    }
    return this.#fromConstants.has(v);
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

  /**
   * The axis of `v` that holds the batch: where the inputs' batch symbol is in its shape (a tokens-first [T, N, E]: 1;
   * 0 when no axis has it), or -1 when that axis folds the batch with another (T·N tokens into a Gemm).
   */
  batchAxis(v: string): number {
    const sym = this.g.inputs[0]?.shape?.[0];
    const at = typeof sym === 'string' ? this.g.valueInfo.get(v)?.shape?.indexOf(sym) ?? -1 : -1;
    if (at < 0) return 0;
    return shapeAtBatch1(this.g, v)[at] === 1 ? at : -1;
  }

  /** New atoms for the `size` output channels of `n` (its first output's, on `axis`, unless `o.value` names another). */
  newSource(n: Node, size: number, axis = 1, o: { kind?: GroupKind; value?: string; batchAxis?: number } = {}): number {
    const base = this.dg.parent.length;
    for (let i = 0; i < size; i++) this.dg.parent.push(base + i);
    const value = o.value ?? n.outputs[0]!;
    this.dg.sources.push({ node: n.name, value, base, size, kind: o.kind ?? 'channels', batchAxis: o.batchAxis ?? this.batchAxis(value) });
    return this.setMap(value, sourceAtoms(base, size), axis);
  }

  cut(n: Node, cuts: readonly Cut[], map: number, side: 'out' | 'in' = 'out'): void {
    for (const c of cuts) this.dg.cuts.push({ ...c, node: n.name, map, side });
  }

  mac(n: Node, maps: number[]): void {
    const macs = this.#macs.get(n.name);
    if (macs) this.dg.macTerms.push({ node: n.name, macs, maps });
  }

  /** The MACs countMacs gives node `n` (0 for ops it does not count). */
  macsOf(n: Node): number {
    return this.#macs.get(n.name) ?? 0;
  }

}
