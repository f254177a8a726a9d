import { ConfigError } from '../errors.js';
import type { DependencyGraph } from './dependency-graph.js';
import type { Cost } from './latency-model.js';
import { groupWidth } from './group.js';

export type AllocateOptions = {
  /** Target size as a fraction of the current model, in (0, 1]. */
  ratio: number;
  /** One threshold over all groups' normalised scores (true), or the same fraction of every group (false). */
  global: boolean;
  /** Kept channel counts are multiples of this (or the whole group). */
  roundTo: number;
  /** The fewest channels a group keeps (at least 1). */
  minChannels: number;
  /** Allowed relative error of the achieved ratio. */
  tolerance: number;
  /**
   * Uniform policy: per group, the width whose same fraction every group keeps (e.g. the first student's widths in a
   * progressive run, so that rounding does not pile up over steps); default each group's current width.
   */
  reference?: readonly number[];
  /** Per group, the fewest channels it keeps (e.g. the widths a later cut goes to); default minChannels. */
  floors?: readonly number[];
};

/** Which units survive, and the metric they give. */
export type Allocation = { kept: Uint8Array; cost: number; keptCounts: number[] };

/**
 * The ratio solver (the pruner's policy). Each group keeps its best-scored units; how many is chosen by bisection
 * (on the global score threshold, or on the uniform fraction) so that the metric comes just above the target,
 * then a greedy fix-up removes (or, from just below, adds back) the cheapest-scored steps that stay inside the
 * tolerance band. When coarse steps (roundTo 8 on a small model) jump over the band, exchanges of one step down in
 * one group for one step up in another walk the cost into it, each time taking the exchange that comes closest to
 * the target; if that still misses and there are at most a million configurations, all are tried. Among in-band
 * choices the global policy keeps the most score, the uniform one stays closest to the same fraction everywhere. Steps respect roundTo and minChannels. Throws ConfigError when the target cannot be reached, with the
 * closest reachable ratio.
 */
export function allocate(dg: DependencyGraph, scores: Float64Array, cost: Cost, o: AllocateOptions): Allocation {
  const groups = dg.groups.map((g, gi) => {
    const order = [...g.units].sort((a, b) => scores[b]! - scores[a]! || a - b);
    const total = groupWidth(g);
    // a head group counts whole heads: minChannels in channels becomes heads; roundTo applies to every other kind's
    // width (channels, hidden units, MLP, embedding, head dims) but not to a count of whole heads
    const heads = g.kind === 'heads';
    const minKeep = Math.min(total, Math.max(1, heads ? Math.ceil(o.minChannels / g.unitSize) : o.minChannels, g.frozen, o.floors?.[gi] ?? 0));
    return { order, frozen: g.frozen, total, minKeep, roundTo: heads ? 1 : o.roundTo };
  });
  type G = (typeof groups)[number];
  const ref = o.reference ?? groups.map((g) => g.total);
  if (ref.length !== groups.length || ref.some((w) => !(w > 0))) throw new ConfigError('reference', `expected ${groups.length} positive widths, one per group, got [${ref.join(', ')}]`);
  const allowed = (g: G, k: number): boolean => k === g.total || (k >= g.minKeep && k % g.roundTo === 0);
  const up = (g: G, k: number): number => {
    let x = Math.max(k, g.minKeep);
    while (!allowed(g, x)) x++;
    return x;
  };
  const down = (g: G, k: number): number => {
    let x = k - 1;
    while (x >= g.minKeep && !allowed(g, x)) x--;
    return x >= g.minKeep ? x : -1;
  };
  const kept = new Uint8Array(dg.unitCount);
  const evaluate = (counts: number[]): number => {
    kept.fill(0);
    counts.forEach((k, gi) => {
      const g = groups[gi]!;
      for (let j = 0; j < k - g.frozen; j++) kept[g.order[j]!] = 1;
    });
    cost.reset(kept);
    return cost.total();
  };
  const target = o.ratio * cost.before;
  const lower = target * (1 - o.tolerance);
  const upper = target * (1 + o.tolerance);

  const minCounts = groups.map((g) => up(g, g.minKeep));
  const minCost = evaluate(minCounts);
  if (minCost > upper) {
    throw new ConfigError('ratio', `${o.ratio} of the ${cost.metric} cannot be reached: the smallest reachable ratio is ${(minCost / cost.before).toFixed(4)} under the constraints (minChannels ${o.minChannels}, roundTo ${o.roundTo}${o.floors ? ', the widths to keep' : ''}, untouched and ignored layers)`, `ask for a ratio of at least ${(minCost / cost.before).toFixed(4)}, or relax minChannels/roundTo`);
  }

  // Bisection: configurations indexed so that the cost does not increase with the index.
  let configAt: (i: number) => number[];
  let steps: number;
  if (o.global) {
    const sorted = [...new Set(groups.flatMap((g) => g.order.map((u) => scores[u]!)))].sort((a, b) => a - b);
    steps = sorted.length;
    configAt = (i) => groups.map((g) => {
      const tau = i < sorted.length ? sorted[i]! : Infinity;
      let n = 0;
      while (n < g.order.length && scores[g.order[n]!]! >= tau) n++;
      return up(g, g.frozen + n);
    });
  } else {
    steps = 1000;
    configAt = (i) => groups.map((g, gi) => up(g, Math.min(g.total, Math.ceil((1 - i / steps) * ref[gi]! - 1e-9))));
  }
  let lo = 0; // cost(lo) >= target
  let hi = steps; // cost(hi) < target, or the minimum
  if (evaluate(configAt(hi)) >= target) lo = hi;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (evaluate(configAt(mid)) >= target) lo = mid;
    else hi = mid;
  }
  // What a group at k channels is worth when coarse steps force a choice between in-band configurations: the kept
  // score (global), or closeness to the uniform fraction (uniform).
  const prefix = groups.map((g) => {
    const p = [0];
    for (const u of g.order) p.push(p[p.length - 1]! + scores[u]!);
    return p;
  });
  const fraction = 1 - lo / steps;
  const worth = (gi: number, k: number): number => {
    const g = groups[gi]!;
    return o.global ? prefix[gi]![k - g.frozen]! : -((k / ref[gi]! - fraction) ** 2);
  };
  // Global: greedy fix-ups by score. Uniform: the same-fraction configurations themselves when one is in band, else
  // the exchanges below from the closer one (greedy fix-ups by score would make the widths uneven).
  const candidates = o.global
    ? [fixDown(configAt(lo)), fixUp(configAt(hi))]
    : [configAt(lo), configAt(hi)].map((counts) => ({ counts, cost: evaluate(counts) }));
  let best = candidates[0]!;
  for (const c of candidates) if (Math.abs(c.cost - target) < Math.abs(best.cost - target)) best = c;
  if (Math.abs(best.cost - target) > o.tolerance * target) best = exchange(best.counts);
  if (Math.abs(best.cost - target) > o.tolerance * target) best = exhaustive() ?? best;
  if (Math.abs(best.cost - target) > o.tolerance * target) {
    throw new ConfigError('ratio', `${o.ratio} of the ${cost.metric} cannot be reached within ${o.tolerance * 100}%: the closest reachable ratio is ${(best.cost / cost.before).toFixed(4)} (channel steps are too coarse under minChannels ${o.minChannels}, roundTo ${o.roundTo})`, `ask for ${(best.cost / cost.before).toFixed(4)}, or lower roundTo`);
  }
  const c = evaluate(best.counts);
  return { kept: Uint8Array.from(kept), cost: c, keptCounts: best.counts };

  /**
   * Local search for coarse steps: moves of up to four steps down in group a (two when there are many groups) and/or up in group b. A move that
   * lands inside the band and is worth the most (`worth`) wins; else the move that comes closest to the target is taken
   * and the search goes on, until the cost is inside the band or no move gets closer.
   */
  function exchange(start: number[]): { counts: number[]; cost: number } {
    const counts = [...start];
    let cur = evaluate(counts);
    const step = (gi: number, k2: number): void => {
      const g = groups[gi]!;
      const k = counts[gi]!;
      const [a, b, d] = k2 < k ? [k2, k, -1 as const] : [k, k2, 1 as const];
      for (const u of g.order.slice(a - g.frozen, b - g.frozen)) cost.change(u, d);
      counts[gi] = k2;
    };
    const reach = groups.length > 40 ? 2 : 4;
    const moves = (gi: number): number[] => {
      const g = groups[gi]!;
      const k = counts[gi]!;
      const out: number[] = [];
      for (let d = down(g, k), i = 0; d >= 0 && i < reach; d = down(g, d), i++) out.push(d);
      for (let u = k, i = 0; u < g.total && i < reach; i++) out.push((u = up(g, u + 1)));
      return out;
    };
    const gain = (gi: number, k2: number): number => worth(gi, k2) - worth(gi, counts[gi]!);
    const inBand = (c: number): boolean => Math.abs(c - target) <= o.tolerance * target;
    while (!inBand(cur)) {
      let pick: [number, number, number, number] | null = null;
      let pickCost = cur;
      let pickGain = -Infinity;
      const consider = (move: [number, number, number, number], c: number, g: number): void => {
        const better = inBand(c) ? !inBand(pickCost) || g > pickGain : !inBand(pickCost) && Math.abs(c - target) < Math.abs(pickCost - target);
        if (better) [pick, pickCost, pickGain] = [move, c, g];
      };
      for (let a = 0; a < groups.length; a++) {
        const ka = counts[a]!;
        for (const ka2 of moves(a)) {
          const ga = gain(a, ka2);
          step(a, ka2);
          consider([a, ka2, -1, 0], cost.total(), ga);
          for (let b = 0; b < groups.length; b++) {
            if (b === a) continue;
            const kb = counts[b]!;
            for (const kb2 of moves(b)) {
              if ((kb2 > kb) === (ka2 > ka)) continue; // one down, one up
              const gb = gain(b, kb2);
              step(b, kb2);
              consider([a, ka2, b, kb2], cost.total(), ga + gb);
              step(b, kb);
            }
          }
          step(a, ka);
        }
      }
      if (!pick) break;
      const [a, ka2, b, kb2] = pick as [number, number, number, number];
      step(a, ka2);
      if (b >= 0) step(b, kb2);
      cur = pickCost;
    }
    return { counts, cost: cur };
  }

  /** Every configuration (when there are at most 1e6): the in-band one worth the most, or null. */
  function exhaustive(): { counts: number[]; cost: number } | null {
    const options = groups.map((g) => {
      const ks: number[] = [];
      for (let k = up(g, g.minKeep); k <= g.total; k = up(g, k + 1)) {
        ks.push(k);
        if (k === g.total) break;
      }
      return ks;
    });
    if (options.reduce((p, ks) => p * ks.length, 1) > 1e6) return null;
    const counts = options.map((ks) => ks[0]!);
    evaluate(counts);
    let found: { counts: number[]; cost: number } | null = null;
    let foundScore = -Infinity;
    const walk = (gi: number, score: number): void => {
      if (gi === groups.length) {
        const c = cost.total();
        if (c >= lower && c <= upper && score > foundScore) [found, foundScore] = [{ counts: [...counts], cost: c }, score];
        return;
      }
      const g = groups[gi]!;
      for (const k of options[gi]!) {
        const from = counts[gi]!;
        for (const u of g.order.slice(Math.min(from, k) - g.frozen, Math.max(from, k) - g.frozen)) cost.change(u, k > from ? 1 : -1);
        counts[gi] = k;
        walk(gi + 1, score + worth(gi, k));
      }
      const last = counts[gi]!;
      const first = options[gi]![0]!;
      for (const u of g.order.slice(first - g.frozen, last - g.frozen)) cost.change(u, -1);
      counts[gi] = first;
    };
    walk(0, 0);
    return found;
  }

  /** Greedy: from above the target, remove the lowest-scored step that keeps the cost at or above `lower`. */
  function fixDown(counts: number[]): { counts: number[]; cost: number } {
    let cur = evaluate(counts);
    while (cur > target) {
      let pick = -1;
      let pickScore = Infinity;
      let pickCost = 0;
      counts.forEach((k, gi) => {
        const g = groups[gi]!;
        const k2 = down(g, k);
        if (k2 < 0) return;
        const removed = g.order.slice(k2 - g.frozen, k - g.frozen);
        for (const u of removed) cost.change(u, -1);
        const c = cost.total();
        for (const u of removed) cost.change(u, 1);
        const s = Math.max(...removed.map((u) => scores[u]!));
        if (c >= lower && s < pickScore) [pick, pickScore, pickCost] = [gi, s, c];
      });
      if (pick < 0) break;
      const g = groups[pick]!;
      const k2 = down(g, counts[pick]!);
      for (const u of g.order.slice(k2 - g.frozen, counts[pick]! - g.frozen)) cost.change(u, -1);
      counts[pick] = k2;
      cur = pickCost;
    }
    return { counts, cost: cur };
  }

  /** Greedy: from below the target, add back the highest-scored step that keeps the cost at or below `upper`. */
  function fixUp(counts: number[]): { counts: number[]; cost: number } {
    let cur = evaluate(counts);
    while (cur < target) {
      let pick = -1;
      let pickScore = -Infinity;
      let pickCost = 0;
      counts.forEach((k, gi) => {
        const g = groups[gi]!;
        if (k >= g.total) return;
        const k2 = up(g, k + 1);
        const added = g.order.slice(k - g.frozen, k2 - g.frozen);
        for (const u of added) cost.change(u, 1);
        const c = cost.total();
        for (const u of added) cost.change(u, -1);
        const s = Math.max(...added.map((u) => scores[u]!));
        if (c <= upper && s > pickScore) [pick, pickScore, pickCost] = [gi, s, c];
      });
      if (pick < 0) break;
      const g = groups[pick]!;
      const k2 = up(g, counts[pick]! + 1);
      for (const u of g.order.slice(counts[pick]! - g.frozen, k2 - g.frozen)) cost.change(u, 1);
      counts[pick] = k2;
      cur = pickCost;
    }
    return { counts, cost: cur };
  }
}

/** Every name must be a channel group of `dg`: a ConfigError on the option `path` naming the others and the groups. */
export function checkGroupNames(dg: DependencyGraph, names: readonly string[], path: string, hint?: string): void {
  const groups = new Set(dg.groups.map((g) => g.name));
  const unknown = names.filter((n) => !groups.has(n));
  if (unknown.length) throw new ConfigError(path, `no channel group named ${unknown.map((n) => `'${n}'`).join(', ')} (the groups: ${[...groups].join(', ')})`, hint);
}

/**
 * Given widths instead of a ratio: each named group keeps exactly that many channels (its best-scored units; groups
 * not named keep all), e.g. the widths of another student of the same architecture. ConfigError on a name that is
 * no group or a width the group cannot keep.
 */
export function allocateWidths(dg: DependencyGraph, scores: Float64Array, cost: Cost, widths: Readonly<Record<string, number>>): Allocation {
  checkGroupNames(dg, Object.keys(widths), 'widths', 'widths are per channel group of the model pruned (`whittle inspect` lists them); widths taken from another model need the same architecture');
  const kept = new Uint8Array(dg.unitCount);
  const keptCounts = dg.groups.map((g) => {
    const total = groupWidth(g);
    const k = widths[g.name] ?? total;
    const least = Math.max(1, g.frozen);
    if (!(Number.isInteger(k) && k >= least && k <= total)) throw new ConfigError('widths', `group '${g.name}' has ${total} channels${g.frozen ? ` (${g.frozen} that cannot be cut)` : ''} and cannot keep ${k}`, `give it a whole number from ${least} to ${total}`);
    const order = [...g.units].sort((a, b) => scores[b]! - scores[a]! || a - b);
    for (let j = 0; j < k - g.frozen; j++) kept[order[j]!] = 1;
    return k;
  });
  cost.reset(kept);
  return { kept, cost: cost.total(), keptCounts };
}
