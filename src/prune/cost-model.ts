import { GraphError } from '../graph/index.js';
import type { DependencyGraph } from './dependency-graph.js';

/** What a pruning ratio measures: parameter count, or multiply-accumulates at the graph's input shape. */
export type Metric = 'params' | 'macs' | 'latency';

/** The cut axes of each initializer, each following one channel map; throws when two cuts disagree. */
export function cutsByInit(dg: DependencyGraph): Map<string, Map<number, number>> {
  const { axes, conflicts } = readCuts(dg);
  const c = conflicts[0];
  if (c) throw new GraphError(`prune: initializer '${c.init}' axis ${c.axis} is cut by two unrelated channel sets (shared weights are not supported)`);
  return axes;
}

/** Initializers that two unrelated channel sets cut: read by layers whose channels differ (untie.ts copies them). */
export function conflictingInits(dg: DependencyGraph): Set<string> {
  return new Set(readCuts(dg).conflicts.map((c) => c.init));
}

function readCuts(dg: DependencyGraph): { axes: Map<string, Map<number, number>>; conflicts: { init: string; axis: number }[] } {
  const out = new Map<string, Map<number, number>>();
  const conflicts: { init: string; axis: number }[] = [];
  for (const c of dg.cuts) {
    let axes = out.get(c.init);
    if (!axes) out.set(c.init, (axes = new Map()));
    const prev = axes.get(c.axis);
    if (prev !== undefined && prev !== c.map && !sameAtoms(dg.maps[prev]!, dg.maps[c.map]!, dg)) conflicts.push({ init: c.init, axis: c.axis });
    else axes.set(c.axis, c.map);
  }
  return { axes: out, conflicts };
}

function sameAtoms(a: Int32Array, b: Int32Array, dg: DependencyGraph): boolean {
  return a.length === b.length && a.every((x, i) => dg.find(x) === dg.find(b[i]!));
}

/**
 * Params or MACs as a function of which units are kept: a constant plus terms `coef * prod(count(map))`, where
 * count(map) is the number of surviving positions of a channel map. Conv weights are out x in terms, BN vectors
 * and biases linear ones; MACs follow countMacs (linear in each of a layer's out and in channel counts). Counts
 * update per unit, so trying one removal costs O(terms).
 */
export class CostModel {
  readonly before: number;
  readonly #constant: number;
  readonly #terms: { coef: number; maps: number[] }[] = [];
  readonly #frozen: number[] = [];
  readonly #counts: number[] = [];
  readonly #unitMaps: [number, number][][];
  readonly #local = new Map<number, number>();

  constructor(readonly dg: DependencyGraph, readonly metric: 'params' | 'macs') {
    this.#unitMaps = Array.from({ length: dg.unitCount }, () => []);
    let modeled = 0;
    if (metric === 'params') {
      this.before = dg.graph.parameterCount();
      for (const [init, axes] of cutsByInit(dg)) {
        const it = dg.graph.initializers.get(init)!;
        if (it.kind !== 'param') continue;
        const numel = it.tensor.numel;
        modeled += numel;
        this.#addTerm(numel, [...axes.values()]);
      }
    } else {
      this.before = dg.macsTotal;
      for (const t of dg.macTerms) {
        modeled += t.macs;
        this.#addTerm(t.macs, t.maps);
      }
    }
    this.#constant = this.before - modeled;
  }

  #addTerm(amount: number, maps: number[]): void {
    const local = maps.map((m) => this.#localMap(m));
    const full = maps.reduce((p, m) => p * this.dg.maps[m]!.length, 1);
    if (full > 0) this.#terms.push({ coef: amount / full, maps: local });
  }

  #localMap(m: number): number {
    let l = this.#local.get(m);
    if (l !== undefined) return l;
    l = this.#counts.length;
    this.#local.set(m, l);
    const mult = new Map<number, number>();
    let frozen = 0;
    for (const atom of this.dg.maps[m]!) {
      const u = this.dg.unitOf[atom]!;
      if (u < 0) frozen++;
      else mult.set(u, (mult.get(u) ?? 0) + 1);
    }
    for (const [u, k] of mult) this.#unitMaps[u]!.push([l, k]);
    this.#frozen.push(frozen);
    this.#counts.push(this.dg.maps[m]!.length);
    return l;
  }

  /** Resets the counts to the given kept flags (1 = kept) over all units. */
  reset(kept: Uint8Array): void {
    for (let l = 0; l < this.#counts.length; l++) this.#counts[l] = this.#frozen[l]!;
    for (let u = 0; u < kept.length; u++) if (kept[u]) for (const [l, k] of this.#unitMaps[u]!) this.#counts[l]! += k;
  }

  /** Marks one unit kept (+1) or removed (-1) relative to the current counts. */
  change(u: number, delta: 1 | -1): void {
    for (const [l, k] of this.#unitMaps[u]!) this.#counts[l]! += delta * k;
  }

  /** The metric for the current counts. */
  total(): number {
    let s = this.#constant;
    for (const t of this.#terms) {
      let v = t.coef;
      for (const l of t.maps) v *= this.#counts[l]!;
      s += v;
    }
    return s;
  }
}
