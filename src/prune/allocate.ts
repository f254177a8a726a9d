import { ConfigError } from '../errors.js';
import type { DependencyGraph } from './dependency-graph.js';
import type { CostModel } from './cost-model.js';

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
};

/** Which units survive, and the metric they give. */
export type Allocation = { kept: Uint8Array; cost: number; keptCounts: number[] };

/**
 * The ratio solver (the pruner's policy). Each group keeps its best-scored units; how many is chosen by bisection
 * (on the global score threshold, or on the uniform fraction) so that the metric comes just above the target,
 * then a greedy fix-up removes (or, from just below, adds back) the cheapest-scored steps that stay inside the
 * tolerance band. Steps respect roundTo and minChannels. Throws ConfigError when the target cannot be reached,
 * with the closest reachable ratio.
 */
export function allocate(dg: DependencyGraph, scores: Float64Array, cost: CostModel, o: AllocateOptions): Allocation {
  const groups = dg.groups.map((g) => {
    const order = [...g.units].sort((a, b) => scores[b]! - scores[a]! || a - b);
    const total = g.units.length + g.frozen;
    const minKeep = Math.min(total, Math.max(1, o.minChannels, g.frozen));
    return { order, frozen: g.frozen, total, minKeep };
  });
  type G = (typeof groups)[number];
  const allowed = (g: G, k: number): boolean => k === g.total || (k >= g.minKeep && k % o.roundTo === 0);
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
    throw new ConfigError('ratio', `${o.ratio} of the ${cost.metric} cannot be reached: the smallest reachable ratio is ${(minCost / cost.before).toFixed(4)} under the constraints (minChannels ${o.minChannels}, roundTo ${o.roundTo}, untouched and ignored layers)`, `ask for a ratio of at least ${(minCost / cost.before).toFixed(4)}, or relax minChannels/roundTo`);
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
    configAt = (i) => groups.map((g) => up(g, Math.ceil((1 - i / steps) * g.total - 1e-9)));
  }
  let lo = 0; // cost(lo) >= target
  let hi = steps; // cost(hi) < target, or the minimum
  if (evaluate(configAt(hi)) >= target) lo = hi;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (evaluate(configAt(mid)) >= target) lo = mid;
    else hi = mid;
  }
  const candidates = [fixDown(configAt(lo)), fixUp(configAt(hi))];
  let best = candidates[0]!;
  for (const c of candidates) if (Math.abs(c.cost - target) < Math.abs(best.cost - target)) best = c;
  if (Math.abs(best.cost - target) > o.tolerance * target) {
    throw new ConfigError('ratio', `${o.ratio} of the ${cost.metric} cannot be reached within ${o.tolerance * 100}%: the closest reachable ratio is ${(best.cost / cost.before).toFixed(4)} (channel steps are too coarse under minChannels ${o.minChannels}, roundTo ${o.roundTo})`, `ask for ${(best.cost / cost.before).toFixed(4)}, or lower roundTo`);
  }
  const c = evaluate(best.counts);
  return { kept: Uint8Array.from(kept), cost: c, keptCounts: best.counts };

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
