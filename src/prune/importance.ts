import {
  abs, callAten, crossEntropy, enableGrad, mean, mse, ones, permute, reshape, square, sum, tidy, noGrad, type Tensor,
} from '../tensor/index.js';
import { Graph, type Node, type ValueInfo } from '../graph/index.js';
import { batchRowsOf, logitsValue, modelFeeds, runGraph, type ModelInput } from '../exec/index.js';
import { ConfigError } from '../errors.js';
import type { DependencyGraph } from './dependency-graph.js';

export const CRITERIA = ['l1', 'l2', 'bn-scale', 'taylor', 'fpgm', 'random', 'activation'] as const;
/**
 * How units are scored: filter norms, |BN gamma|, first-order Taylor, distance to the geometric median, random, or
 * the mean |activation| on data (Minitron's ranking of heads, MLP neurons, embedding channels and hidden units).
 */
export type Criterion = (typeof CRITERIA)[number];
/** How a unit's scores over the group's members are combined. */
export type GroupReduction = 'sum' | 'mean' | 'max';
/** One batch of data for Taylor importance: inputs and int64 class labels (or float targets shaped like the output). */
export type Batch = { x: ModelInput; y: Tensor };

export type ImportanceOptions = {
  reduction: GroupReduction;
  /** Taylor and activation: returns the batches to accumulate over (a few are enough; activation reads only x). */
  batches?: () => Iterable<Batch>;
  seed?: number;
};

/**
 * Scores every unit of a dependency graph (Torch-Pruning's Importance): a 1-D score per unit, higher = more
 * important, combined over the group's members with `reduction` and divided by the group's mean, so that one
 * global threshold treats groups of different scale fairly.
 */
export type Importance = (dg: DependencyGraph, o: ImportanceOptions) => Float64Array;

/** Per-position scores of one member (a layer's slice along a channel map) and how to finish a unit's sum. */
export type Member = { map: number; values: ArrayLike<number>; finish?: (v: number) => number };

/**
 * Combines member scores per unit, for every group kind alike: within a member the positions of one unit add up (a
 * head's D dims, a hidden unit's rows in every gate, a channel's H x W block after Flatten), across members
 * `reduction`. A new kind needs only per-position scores on its channel maps.
 */
export function combine(dg: DependencyGraph, members: readonly Member[], reduction: GroupReduction): Float64Array {
  const total = new Float64Array(dg.unitCount);
  const seen = new Uint32Array(dg.unitCount);
  const per = new Float64Array(dg.unitCount);
  const mark = new Uint8Array(dg.unitCount);
  const touched: number[] = [];
  for (const m of members) {
    const atoms = dg.maps[m.map]!;
    for (let i = 0; i < atoms.length; i++) {
      const u = dg.unitOf[atoms[i]!]!;
      if (u < 0) continue;
      if (!mark[u]) (mark[u] = 1), touched.push(u);
      per[u]! += m.values[i]!;
    }
    for (const u of touched) {
      const v = m.finish ? m.finish(per[u]!) : per[u]!;
      total[u] = seen[u] === 0 ? v : reduction === 'max' ? Math.max(total[u]!, v) : total[u]! + v;
      seen[u]!++;
      per[u] = 0;
      mark[u] = 0;
    }
    touched.length = 0;
  }
  if (reduction === 'mean') for (let u = 0; u < total.length; u++) if (seen[u]) total[u]! /= seen[u]!;
  return total;
}

/** Divides each group's scores by their mean (groups whose scores are all 0 stay 0). */
export function normalizePerGroup(dg: DependencyGraph, scores: Float64Array): Float64Array {
  for (const g of dg.groups) {
    let s = 0;
    for (const u of g.units) s += scores[u]!;
    const m = s / Math.max(1, g.units.length);
    if (m > 0) for (const u of g.units) scores[u]! /= m;
  }
  return scores;
}

/** Sum of |w|^p over every axis but `axis`, per position along it. */
function slicePowerSums(t: Tensor, axis: number, p: 1 | 2): number[] {
  return noGrad(() => tidy(() => {
    const a = p === 1 ? abs(t) : square(t);
    if (t.rank === 1) return a.toArray();
    return sum(a, Array.from({ length: t.rank }, (_, i) => i).filter((i) => i !== axis)).toArray();
  }));
}

function magnitude(p: 1 | 2): Importance {
  return (dg, o) => {
    const members: Member[] = [];
    for (const c of dg.cuts) {
      if (c.role !== 'weight' && c.role !== 'bn-scale') continue;
      const t = dg.graph.initializers.get(c.init)!.tensor;
      members.push(p === 1 ? { map: c.map, values: slicePowerSums(t, c.axis, 1) } : { map: c.map, values: slicePowerSums(t, c.axis, 2), finish: Math.sqrt });
    }
    return normalizePerGroup(dg, combine(dg, members, o.reduction));
  };
}

/** |gamma| of the group's norm layers (network slimming); a group without one is an error. */
const bnScale: Importance = (dg, o) => {
  const members: Member[] = [];
  for (const c of dg.cuts) if (c.role === 'bn-scale') members.push({ map: c.map, values: slicePowerSums(dg.graph.initializers.get(c.init)!.tensor, 0, 1) });
  const scores = combine(dg, members, o.reduction);
  const covered = new Uint8Array(dg.unitCount);
  for (const m of members) for (const atom of dg.maps[m.map]!) if (dg.unitOf[atom]! >= 0) covered[dg.unitOf[atom]!] = 1;
  const bare = dg.groups.filter((g) => g.units.some((u) => !covered[u]));
  if (bare.length) {
    throw new ConfigError('criterion', `'bn-scale' needs a BatchNormalization in every group, but ${bare.length} group(s) have none (${bare.slice(0, 3).map((g) => `'${g.name}'`).join(', ')}${bare.length > 3 ? ', ...' : ''})`, 'the model may have its BatchNorms folded into the convolutions (as ONNX exports do); use l1, l2, fpgm or taylor');
  }
  return normalizePerGroup(dg, scores);
};

/** Sum of Euclidean distances from each filter to the layer's other filters (FPGM: near the median = redundant). */
const fpgm: Importance = (dg, o) => {
  const members: Member[] = [];
  for (const c of dg.cuts) {
    if (c.role !== 'weight' || c.side !== 'out') continue;
    const t = dg.graph.initializers.get(c.init)!.tensor;
    const values = noGrad(() => tidy(() => {
      const order = [c.axis, ...Array.from({ length: t.rank }, (_, i) => i).filter((i) => i !== c.axis)];
      const rows = reshape(permute(t, order), [t.shape[c.axis]!, -1]);
      return sum(callAten('cdist', '', rows, rows, 2, null), 1).toArray();
    }));
    members.push({ map: c.map, values });
  }
  return normalizePerGroup(dg, combine(dg, members, o.reduction));
};

/** A seeded uniform score per unit (mulberry32). */
const random: Importance = (dg, o) => {
  let s = (o.seed ?? 0) >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return normalizePerGroup(dg, Float64Array.from({ length: dg.unitCount }, next));
};

/**
 * First-order Taylor (Molchanov et al. 2017): per channel of each source layer's output, the batch mean of
 * |sum over positions of activation x gradient|, accumulated over the given batches. Gradients reach the
 * activations through probes: each source output a is replaced by a * p with p a ones leaf [N, C, 1, 1] (or
 * [N, 1, 1, C] with channels last) fed as
 * an extra input, so dL/dp = sum over positions of a * dL/da. Weights get no gradients and the graph is not changed.
 */
const taylor: Importance = (dg, o) => {
  if (!o.batches) throw new ConfigError('batches', "criterion 'taylor' needs data: pass `batches` (a function returning {x, y} batches)");
  const g = dg.graph;
  const probed = probeGraph(g, dg.sources.map((s) => ({ value: s.value, axis: dg.axisOf(s.value), batchAxis: s.batchAxis })));
  const acc = dg.sources.map((s) => new Float64Array(s.size));
  const params = g.parameters().filter((t) => t.requiresGrad);
  for (const t of params) t.requiresGrad = false;
  let count = 0;
  try {
    for (const { x, y } of o.batches()) {
      count++;
      enableGrad(() => tidy(() => {
        const feeds: Record<string, Tensor> = modelFeeds(g, x);
        const probes = probed.probes.map((p) => {
          const t = ones(p.shape.map((d) => (d < 0 ? batchRowsOf(x) : d)));
          t.requiresGrad = true;
          feeds[p.name] = t;
          return t;
        });
        const logits = logitsValue(g);
        const out = runGraph(probed.graph, feeds, { training: false, extraOutputs: [logits] })[logits]!;
        const loss = y.dtype === 'int64' ? crossEntropy(out, y) : mse(out, y);
        loss.backward();
        probes.forEach((p, i) => {
          const grad = p.grad;
          if (!grad) return;
          const b = probed.probes[i]!.shape.indexOf(-1);
          // a value whose batch is folded with its tokens has a probe shared by the batch: |its gradient| / N
          const v = b < 0
            ? abs(reshape(grad, [-1])).toArray().map((e: number) => e / batchRowsOf(x))
            : mean(abs(reshape(b === 0 ? grad : permute(grad, [b, ...grad.shape.map((_, k) => k).filter((k) => k !== b)]), [grad.shape[b]!, -1])), 0).toArray();
          const a = acc[i]!;
          for (let k = 0; k < a.length; k++) a[k]! += v[k]!;
          grad.dispose();
        });
      }));
    }
  } finally {
    for (const t of params) t.requiresGrad = true;
  }
  if (count === 0) throw new ConfigError('batches', "criterion 'taylor' got no batches from `batches()`");
  const members: Member[] = dg.sources.map((s, i) => ({ map: dg.valueMaps.get(s.value)!, values: acc[i]! }));
  return normalizePerGroup(dg, combine(dg, members, o.reduction));
};

/**
 * The graph with each named value multiplied by a ones probe input of its channels (size 1 on every other axis but the
 * batch; the channels are on `axis`, 1 unless a Transpose moved them; the batch on `batchAxis`, -1 in the probe's
 * shape; no batch axis when `batchAxis` is -1, the batch folded with tokens). Shares the original's tensors: never dispose it.
 */
function probeGraph(g: Graph, values: readonly { value: string; axis: number; batchAxis: number }[]): { graph: Graph; probes: { name: string; shape: number[] }[] } {
  const probes: { name: string; shape: number[] }[] = [];
  const rename = new Map<string, string>();
  const extra: Node[] = [];
  const inputs: ValueInfo[] = [...g.inputs];
  for (const { value: v, axis, batchAxis } of values) {
    const shape = g.valueInfo.get(v)!.shape!;
    const probeShape = shape.map((d, i) => (i === batchAxis ? -1 : i === axis ? (d as number) : 1));
    const name = `${v}::probe`;
    probes.push({ name, shape: probeShape });
    inputs.push({ name, dtype: 'float32', shape: probeShape.map((d) => (d < 0 ? 'N' : d)) });
    rename.set(v, `${v}::pre`);
    extra.push({ name: `${v}::taylor`, opType: 'Mul', domain: '', inputs: [`${v}::pre`, name], outputs: [v], attrs: {} });
  }
  const nodes = g.nodes.map((n) => (n.outputs.some((x) => rename.has(x)) ? { ...n, outputs: n.outputs.map((x) => rename.get(x) ?? x) } : n));
  const graph = new Graph({ name: g.name, inputs, outputs: g.outputs, nodes: [...nodes, ...extra], initializers: g.initializers, opset: g.opset });
  return { graph, probes };
}

/**
 * Mean |activation| of each unit (Minitron): every source layer's output (a recurrent layer's Y) on the given
 * batches, averaged over every axis but its channel axis, in eval mode; combined over the group's sources.
 */
const activation: Importance = (dg, o) => {
  if (!o.batches) throw new ConfigError('batches', "criterion 'activation' needs data: pass `batches` (a function returning {x, y} batches)");
  const g = dg.graph;
  const acc = dg.sources.map((s) => new Float64Array(s.size));
  let count = 0;
  noGrad(() => {
    for (const { x } of o.batches!()) {
      count++;
      tidy(() => {
        const out = runGraph(g, modelFeeds(g, x), { training: false, extraOutputs: dg.sources.map((s) => s.value) });
        dg.sources.forEach((s, i) => {
          const a = out[s.value]!;
          const axis = dg.axisOf(s.value);
          const v = mean(abs(a), a.shape.map((_, k) => k).filter((k) => k !== axis)).toArray();
          const t = acc[i]!;
          for (let k = 0; k < t.length; k++) t[k]! += v[k]!;
        });
      });
    }
  });
  if (count === 0) throw new ConfigError('batches', "criterion 'activation' got no batches from `batches()`");
  const members: Member[] = dg.sources.map((s, i) => ({ map: dg.valueMaps.get(s.value)!, values: acc[i]!.map((v) => v / count) }));
  return normalizePerGroup(dg, combine(dg, members, o.reduction));
};

/** The Importance for a criterion name. */
export const IMPORTANCE: Readonly<Record<Criterion, Importance>> = {
  l1: magnitude(1),
  l2: magnitude(2),
  'bn-scale': bnScale,
  taylor,
  fpgm,
  random,
  activation,
};
