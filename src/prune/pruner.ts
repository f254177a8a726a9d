import { countMacs } from '../exec/index.js';
import { GraphError, type Graph } from '../graph/index.js';
import { ConfigError } from '../errors.js';
import type { DependencyGraph, Untouched } from './dependency-graph.js';
import { buildDependencyGraph } from './build-dependency-graph.js';
import { CostModel, type Metric } from './cost-model.js';
import { LatencyCost, type LatencyTable } from './latency-model.js';
import { CRITERIA, IMPORTANCE, type Batch, type Criterion, type GroupReduction } from './importance.js';
import { allocate, allocateWidths, checkGroupNames } from './allocate.js';
import { groupWidth, type GroupKind } from './group.js';
import { applyPlan, survivor, type PruningPlan } from './surgery.js';
import { cuttable } from './untie.js';
import type { AttentionMode } from './attention.js';
import type { AnalyzeOptions } from './build-dependency-graph.js';

/**
 * What to prune to: a size (`ratio`, solved for by the allocation policy), or given channel widths per group name
 * (`widths`, e.g. channelWidths() of another student of the same architecture; groups not named keep all).
 */
export type PruneTarget = { ratio: number; widths?: undefined } | { widths: Readonly<Record<string, number>>; ratio?: undefined };

export type PruneOptions = PruneTarget & {
  /** What the ratio measures (default 'params'); MACs are counted at the graph's input shape; latency is predicted from `latency`. */
  metric?: Metric;
  /** With metric 'latency': the table the latency is predicted from (pipeline/latency.ts measures it). */
  latency?: LatencyTable;
  /** How channels are scored (default 'l1'). */
  criterion?: Criterion;
  /** Global ranking across groups (default true) or the same fraction of every group. */
  global?: boolean;
  /** Kept channel counts are multiples of this (default 1). */
  roundTo?: number;
  /** The fewest channels any group keeps (default 1; never 0). */
  minChannels?: number;
  /** Node names to leave untouched (none of their channels change). */
  ignore?: readonly string[];
  /** Multi-head attention: remove whole heads (default) or the same dimensions inside every head. */
  attention?: AttentionMode;
  /** Prune the width of a transformer's residual stream (its embedding; default true). */
  pruneEmbedding?: boolean;
  /** How a unit's scores over the group members combine (default 'sum'). */
  reduction?: GroupReduction;
  /** Data for 'taylor' and 'activation': returns a few {x, y} batches. */
  batches?: () => Iterable<Batch>;
  /** Seed of 'random' (default 0). */
  seed?: number;
  /** Allowed relative error of the achieved ratio (default 0.01). */
  tolerance?: number;
  /**
   * Uniform allocation (global false): the widths, by group name, whose same fraction every group keeps, e.g. the
   * first student's in a progressive run so that rounding does not pile up over the steps; groups not named use
   * their current width (the default for all).
   */
  referenceWidths?: Readonly<Record<string, number>>;
  /**
   * With a ratio: the fewest channels each named group keeps (e.g. the widths a later cut goes to, so that every step
   * of a progressive run can reach them); groups not named keep at least minChannels.
   */
  minWidths?: Readonly<Record<string, number>>;
};

/** One group in the result: its kind, kept and total units (heads for a head group, of `unitSize` channels each), and every node the removal touched. */
export type GroupReport = { name: string; kind: GroupKind; kept: number; total: number; unitSize: number; members: string[] };

export type PruneResult = {
  /** The pruned graph (new tensors; the input graph is unchanged). */
  graph: Graph;
  params: { before: number; after: number };
  macs: { before: number; after: number };
  /** after / before in `metric`. */
  achievedRatio: number;
  metric: Metric;
  criterion: Criterion;
  groups: GroupReport[];
  untouched: Untouched[];
  /**
   * Initializers that layers with different channels shared in the input, or that a BatchNorm read as a running
   * statistic and something else read too (an exporter stores equal tensors once); each reader got its own copy before cutting, and `params.before` counts the copies, as PyTorch counts them.
   */
  untied: string[];
  /** Removed output-channel indices per source layer (only layers that lost channels). */
  removed: Record<string, number[]>;
  /** The plan over the input graph's dependency graph, or over its untied copy (for zeroRemovedChannels and inspection). */
  plan: PruningPlan;
};

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Every name in `ignore` must be a node of `g` (a ConfigError naming the unknown ones otherwise). */
export function checkIgnored(g: Graph, ignore: readonly string[]): void {
  const names = new Set(g.nodes.map((n) => n.name));
  const unknown = ignore.filter((n) => !names.has(n));
  if (unknown.length) throw new ConfigError('ignore', `unknown node name${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}`, `node names are those of the graph, e.g. '${g.nodes.find((n) => n.opType === 'Conv' || n.opType === 'Gemm')?.name ?? g.nodes[0]?.name}'`);
}

/** Checks options and fills defaults; every problem is a ConfigError naming the option. */
export function resolveOptions(g: Graph, o: PruneOptions): PruneTarget & Required<Omit<PruneOptions, 'batches' | 'referenceWidths' | 'minWidths' | 'ratio' | 'widths' | 'latency' | 'attention' | 'pruneEmbedding'>> & Pick<PruneOptions, 'batches' | 'referenceWidths' | 'minWidths' | 'latency' | 'attention' | 'pruneEmbedding'> {
  if (o.widths !== undefined) {
    if (o.ratio !== undefined) throw new ConfigError('widths', 'cannot be combined with a ratio', 'give either the ratio to solve for or the widths to keep');
    if (typeof o.widths !== 'object' || o.widths === null) throw new ConfigError('widths', 'expected widths by group name, e.g. { conv1: 8 }');
  } else if (typeof o.ratio !== 'number' || !(o.ratio > 0 && o.ratio <= 1)) throw new ConfigError('ratio', `must be in (0, 1], got ${String(o.ratio)}`, 'the ratio is the fraction of the model to keep, e.g. 0.5');
  const metric = o.metric ?? 'params';
  if (metric !== 'params' && metric !== 'macs' && metric !== 'latency') throw new ConfigError('metric', `unknown metric '${String(metric)}' (expected params, macs or latency)`);
  if (metric === 'latency' && o.latency === undefined && o.widths === undefined) throw new ConfigError('latency', "metric 'latency' needs a latency table (the CLI and compress measure one)");
  const criterion = o.criterion ?? 'l1';
  if (!(CRITERIA as readonly string[]).includes(criterion)) throw new ConfigError('criterion', `unknown criterion '${String(criterion)}' (expected one of ${CRITERIA.join(', ')})`);
  const reduction = o.reduction ?? 'sum';
  if (!['sum', 'mean', 'max'].includes(reduction)) throw new ConfigError('reduction', `unknown reduction '${String(reduction)}' (expected sum, mean or max)`);
  const roundTo = o.roundTo ?? 1;
  if (!isInt(roundTo) || roundTo < 1) throw new ConfigError('roundTo', `must be a positive integer, got ${String(roundTo)}`);
  const minChannels = o.minChannels ?? 1;
  if (!isInt(minChannels) || minChannels < 1) throw new ConfigError('minChannels', `must be an integer >= 1 (a layer never loses every channel), got ${String(minChannels)}`);
  const tolerance = o.tolerance ?? 0.01;
  if (!(tolerance > 0 && tolerance < 1)) throw new ConfigError('tolerance', `must be in (0, 1), got ${String(tolerance)}`);
  checkIgnored(g, o.ignore ?? []);
  if ((criterion === 'taylor' || criterion === 'activation') && typeof o.batches !== 'function') throw new ConfigError('batches', `criterion '${criterion}' needs data: pass \`batches\` (a function returning {x, y} batches)`);
  if (o.attention !== undefined && o.attention !== 'heads' && o.attention !== 'dims') throw new ConfigError('attention', `unknown mode '${String(o.attention)}' (expected heads or dims)`);
  const seed = o.seed ?? 0;
  if (!isInt(seed)) throw new ConfigError('seed', `must be an integer, got ${String(seed)}`);
  const ref = o.referenceWidths;
  const bad = ref === undefined ? [] : Object.entries(ref).filter(([, w]) => !(typeof w === 'number' && w > 0));
  if (bad.length) throw new ConfigError('referenceWidths', `widths must be positive numbers, got ${bad.map(([n, w]) => `${n}: ${String(w)}`).join(', ')}`);
  const floors = o.minWidths;
  if (floors !== undefined && o.widths !== undefined) throw new ConfigError('minWidths', 'goes with a ratio, and the widths are given');
  const badFloor = floors === undefined ? [] : Object.entries(floors).filter(([, w]) => !(isInt(w) && w >= 1));
  if (badFloor.length) throw new ConfigError('minWidths', `widths must be whole numbers >= 1, got ${badFloor.map(([n, w]) => `${n}: ${String(w)}`).join(', ')}`);
  return { ...(o.widths !== undefined ? { widths: o.widths } : { ratio: o.ratio }), metric, criterion, global: o.global ?? true, roundTo, minChannels, ignore: o.ignore ?? [], reduction, seed, tolerance, ...(o.batches ? { batches: o.batches } : {}), ...(ref ? { referenceWidths: ref } : {}), ...(floors ? { minWidths: floors } : {}), ...(o.latency ? { latency: o.latency } : {}), ...(o.attention ? { attention: o.attention } : {}), ...(o.pruneEmbedding === false ? { pruneEmbedding: false } : {}) };
}

/** The analysis options that a prune call carries (ignore, attention mode, embedding on or off). */
function analysisOf(o: { ignore?: readonly string[]; attention?: AttentionMode; pruneEmbedding?: boolean }): AnalyzeOptions {
  return { ignore: o.ignore ?? [], ...(o.attention ? { attention: o.attention } : {}), ...(o.pruneEmbedding === false ? { pruneEmbedding: false } : {}) };
}

/** Each channel group's width by group name: what `widths` takes to prune another model of this architecture alike. */
export function channelWidths(g: Graph, o: AnalyzeOptions = {}): Record<string, number> {
  return Object.fromEntries(buildDependencyGraph(g, analysisOf(o)).groups.map((gr) => [gr.name, groupWidth(gr)]));
}

/** Checks that a graph can be cut to these widths (as prune() with `widths` would), without cutting it. */
export function checkWidths(g: Graph, widths: Readonly<Record<string, number>>, ignore: readonly string[] = [], o: AnalyzeOptions = {}): void {
  const { dg } = cuttable(g, analysisOf({ ...o, ignore }));
  allocateWidths(dg, new Float64Array(dg.unitCount), new CostModel(dg, 'params'), widths);
}

/** minWidths by group, in the dependency graph's order (ConfigError on a name that is no group). */
function floorsOf(dg: DependencyGraph, minWidths: Readonly<Record<string, number>>): number[] {
  checkGroupNames(dg, Object.keys(minWidths), 'minWidths');
  return dg.groups.map((g) => minWidths[g.name] ?? 0);
}

/** The latency a table predicts for `g` at its current widths (its groups named as in the table's model). */
export function predictLatency(g: Graph, table: LatencyTable, o: { ignore?: readonly string[] } = {}): number {
  const { graph, dg } = cuttable(g, { ignore: o.ignore ?? [] });
  try {
    return new LatencyCost(dg, table).before;
  } finally {
    if (graph !== g) graph.dispose();
  }
}

/** The channel groups of a graph, with what is left untouched and why (infers shapes first when needed). */
export function analyzeGroups(g: Graph, o: AnalyzeOptions = {}): DependencyGraph {
  return buildDependencyGraph(g, analysisOf(o));
}

/**
 * Prunes whole channels so that the model keeps `ratio` of its params or MACs (within `tolerance`): analyse the
 * dependencies, score the units, solve the allocation, cut. Returns a new graph and a report; the input graph is
 * unchanged (its valueInfo is filled when it was empty).
 *
 * Example: `prune(g, { ratio: 0.5, metric: 'macs', criterion: 'l2', roundTo: 8 })`.
 */
export function prune(g: Graph, options: PruneOptions): PruneResult {
  const o = resolveOptions(g, options);
  const { graph: work, dg, untied } = cuttable(g, analysisOf(o));
  if (o.attention && dg.attentionCount === 0) throw new ConfigError('attention', 'the model has no multi-head attention that whittle recognises (`whittle inspect` lists what it found)', 'leave --attention out for this model');
  const scores = IMPORTANCE[o.criterion](dg, { reduction: o.reduction, seed: o.seed, ...(o.batches ? { batches: o.batches } : {}) });
  const model = o.metric === 'latency' && o.latency ? new LatencyCost(dg, o.latency) : new CostModel(dg, o.metric === 'latency' ? 'params' : o.metric);
  const ref = o.referenceWidths;
  const alloc = o.widths !== undefined
    ? allocateWidths(dg, scores, model, o.widths)
    : allocate(dg, scores, model, { ...o, ratio: o.ratio, ...(ref ? { reference: dg.groups.map((gr) => ref[gr.name] ?? groupWidth(gr)) } : {}), ...(o.minWidths ? { floors: floorsOf(dg, o.minWidths) } : {}) });
  const plan: PruningPlan = { dg, kept: alloc.kept };
  const pruned = applyPlan(plan);
  const params = { before: work.parameterCount(), after: pruned.parameterCount() };
  const macs = { before: dg.macsTotal, after: countMacs(pruned).total };
  const after = o.metric === 'params' ? params.after : o.metric === 'macs' ? macs.after : alloc.cost;
  if (o.metric !== 'latency' && Math.abs(after - alloc.cost) > 0.5 + 1e-9 * after) {
    pruned.dispose();
    throw new GraphError(`prune: the cost model predicted ${alloc.cost} ${o.metric} but the pruned graph has ${after} (an analysis bug; please report it)`);
  }
  const survives = survivor(plan);
  const removed: Record<string, number[]> = {};
  for (const s of dg.sources) {
    const gone: number[] = [];
    for (let i = 0; i < s.size; i++) if (!survives(s.base + i)) gone.push(i);
    if (gone.length) removed[s.node] = gone;
  }
  const groups = dg.groups.map((gr, i) => ({ name: gr.name, kind: gr.kind, kept: alloc.keptCounts[i]!, total: groupWidth(gr), unitSize: gr.unitSize, members: [...gr.members] }));
  return {
    graph: pruned,
    params,
    macs,
    achievedRatio: after / (o.metric === 'params' ? params.before : o.metric === 'macs' ? macs.before : model.before),
    metric: o.metric,
    criterion: o.criterion,
    groups,
    untouched: dg.untouched,
    untied,
    removed,
    plan,
  };
}
