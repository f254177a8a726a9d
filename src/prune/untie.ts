import { clone, detach, keep, noGrad, tidy } from '../tensor/index.js';
import { Graph, isRunningStatistic, type Initializer, type InitializerKind, type Node } from '../graph/index.js';
import type { DependencyGraph } from './dependency-graph.js';
import { buildDependencyGraph, type AnalyzeOptions } from './build-dependency-graph.js';
import { conflictingInits } from './cost-model.js';

/** A graph ready to cut: its dependency graph, and the initializers copied per layer to get there (see untie). */
export type CuttableGraph = { graph: Graph; dg: DependencyGraph; untied: string[] };

/**
 * The dependency graph of `g`, on a copy of `g` with its shared initializers untied when layers whose channels are
 * cut differently read one tensor. Exporters store equal tensors once (torch.onnx.export merges the all-zero biases
 * that folding BatchNorm gives an untrained network's convs, for one), so in the file one initializer serves
 * unrelated layers; in the PyTorch module each layer owned its own. `g` itself is never changed.
 */
export function cuttable(g: Graph, o: AnalyzeOptions = {}): CuttableGraph {
  const dg = buildDependencyGraph(g, o);
  const shared = new Set([...conflictingInits(dg), ...sharedStatistics(g)]);
  if (!shared.size) return { graph: g, dg, untied: [] };
  const graph = untie(g, shared);
  return { graph, dg: buildDependencyGraph(graph, o), untied: [...shared] };
}

/**
 * Initializers that a BatchNorm reads as its running mean or variance and something else reads too: another
 * BatchNorm's statistics (training would update one tensor from both layers) or a weight (a trained tensor cannot be
 * updated in place as a statistic). Exporters store equal tensors once, so an untrained network's zero means, unit
 * variances, unit scales and zero shifts can all be one tensor each; in the module each was its layer's own.
 */
export function sharedStatistics(g: Graph): Set<string> {
  const statistics = new Set<string>();
  for (const n of g.nodes) {
    n.inputs.forEach((v, slot) => {
      if (g.initializers.has(v) && isRunningStatistic(n, slot)) statistics.add(v);
    });
  }
  const readers = readerCounts(g);
  return new Set([...statistics].filter((v) => readers.get(v)! > 1));
}

/** Weights and running statistics that several node inputs read (the exporter's merge of equal tensors, or a true tie). */
export function sharedInitializers(g: Graph): Set<string> {
  return new Set([...readerCounts(g)].filter(([v, k]) => k > 1 && g.initializers.get(v)!.kind !== 'constant').map(([v]) => v));
}

/** How many node inputs read each initializer. */
function readerCounts(g: Graph): Map<string, number> {
  const readers = new Map<string, number>();
  for (const n of g.nodes) for (const v of n.inputs) if (g.initializers.has(v)) readers.set(v, (readers.get(v) ?? 0) + 1);
  return readers;
}

/**
 * A copy of `g` in which every node after the first that reads one of `names` reads its own copy of it (named
 * `NAME.untied1`, `NAME.untied2`, ...), so each layer owns its weights as in the module that was exported. A
 * BatchNorm's running statistic is a buffer of its own: the first reader in the original's role keeps the original
 * (or, when none reads it so, the first reader, the original taking its role), and each copy is a buffer when read
 * as a running statistic and of the original's kind otherwise.
 */
export function untie(g: Graph, names: ReadonlySet<string>): Graph {
  const copy = g.clone();
  const taken = new Set([...copy.initializers.keys(), ...copy.nodes.flatMap((n) => n.outputs), ...copy.inputs.map((v) => v.name)]);
  const initializers = new Map<string, Initializer>(copy.initializers);
  const kindOf = (v: string): InitializerKind => copy.initializers.get(v)!.kind;
  const roleOf = (n: Node, slot: number, v: string): InitializerKind => (isRunningStatistic(n, slot) ? 'buffer' : kindOf(v) === 'buffer' ? 'constant' : kindOf(v));
  const keeper = new Map<string, { node: Node; role: InitializerKind }>();
  for (const n of copy.nodes) {
    n.inputs.forEach((v, slot) => {
      if (!names.has(v)) return;
      const role = roleOf(n, slot, v);
      const k = keeper.get(v);
      if (k === undefined || (k.role !== kindOf(v) && role === kindOf(v))) keeper.set(v, { node: n, role });
    });
  }
  for (const [v, { role }] of keeper) {
    if (role === kindOf(v)) continue;
    const t = initializers.get(v)!.tensor;
    t.requiresGrad = role === 'param';
    initializers.set(v, { tensor: t, kind: role });
  }
  const nodes = copy.nodes.map((n) => {
    const own = new Map<string, string>();
    const inputs = n.inputs.map((v, slot) => {
      if (!names.has(v)) return v;
      const role = roleOf(n, slot, v);
      const k = keeper.get(v)!;
      if (k.node === n && k.role === role) return v;
      const mine = own.get(`${role} ${v}`);
      if (mine !== undefined) return mine;
      let name = v;
      for (let j = 1; taken.has((name = `${v}.untied${j}`)); j++);
      taken.add(name);
      const t = noGrad(() => tidy(() => keep(clone(detach(copy.initializers.get(v)!.tensor)))));
      if (role === 'param') t.requiresGrad = true;
      initializers.set(name, { tensor: t, kind: role });
      own.set(`${role} ${v}`, name);
      return name;
    });
    return { ...n, inputs };
  });
  const out = new Graph({ name: copy.name, inputs: copy.inputs, outputs: copy.outputs, nodes, initializers, opset: copy.opset, metadata: copy.metadata });
  for (const [k, v] of copy.valueInfo) out.valueInfo.set(k, v);
  return out;
}
