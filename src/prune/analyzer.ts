import { attrInts, type Graph, type Node } from '../graph/index.js';
import { countMacs } from '../exec/index.js';
import type { Cut } from './layer-pruners.js';
import { FROZEN, frozenAtoms, sourceAtoms } from './index-mapping.js';
import type { DependencyGraph } from './dependency-graph.js';
import type { GroupKind } from './group.js';

/** The state of one analysis pass and the map operations the op rules share (channel-rules.ts, layer-rules.ts, shape-rules.ts). */
export class Analyzer {
  readonly #noted = new Set<string>();
  readonly consumers: Map<string, Node[]>;
  #producers: Map<string, Node> | undefined;
  readonly #macs: Map<string, number>;
  /** Values made by Constant nodes. */
  readonly constNodes = new Set<string>();
  /** Nodes of a matched channel normalisation that read every channel (their outputs get no map). */
  readonly stats = new Set<string>();

  constructor(readonly g: Graph, readonly dg: DependencyGraph) {
    this.consumers = g.consumers();
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

  /** The node that makes value `v` (undefined for inputs and initializers). */
  producer(v: string): Node | undefined {
    return (this.#producers ??= this.g.producers()).get(v);
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

  /** A channel map that no value holds (e.g. the gate rows of a recurrent layer's W). */
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
    if (reads || n.inputs.every((i) => !i)) this.note(n.name, reason);
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

  /** New atoms for the `size` output channels of `n` (its first output's, on `axis`, unless `o.value` names another). */
  newSource(n: Node, size: number, axis = 1, o: { kind?: GroupKind; value?: string; batchAxis?: number } = {}): number {
    const base = this.dg.parent.length;
    for (let i = 0; i < size; i++) this.dg.parent.push(base + i);
    const value = o.value ?? n.outputs[0]!;
    this.dg.sources.push({ node: n.name, value, base, size, kind: o.kind ?? 'channels', batchAxis: o.batchAxis ?? 0 });
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
