import { clone, detach, keep, noGrad, tidy } from '../tensor/index.js';
import { Graph, type Initializer } from '../graph/index.js';
import { buildDependencyGraph, type AnalyzeOptions, type DependencyGraph } from './dependency-graph.js';
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
  const shared = conflictingInits(dg);
  if (!shared.size) return { graph: g, dg, untied: [] };
  const graph = untie(g, shared);
  return { graph, dg: buildDependencyGraph(graph, o), untied: [...shared] };
}

/**
 * A copy of `g` in which every node after the first that reads one of `names` reads its own copy of it (named
 * `NAME.untied1`, `NAME.untied2`, ...), so each layer owns its weights as in the module that was exported.
 */
export function untie(g: Graph, names: ReadonlySet<string>): Graph {
  const copy = g.clone();
  const taken = new Set([...copy.initializers.keys(), ...copy.nodes.flatMap((n) => n.outputs), ...copy.inputs.map((v) => v.name)]);
  const readers = new Map<string, number>();
  const initializers = new Map<string, Initializer>(copy.initializers);
  const nodes = copy.nodes.map((n) => {
    const own = new Map<string, string>();
    const inputs = n.inputs.map((v) => {
      if (!names.has(v)) return v;
      const mine = own.get(v);
      if (mine !== undefined) return mine;
      const k = readers.get(v) ?? 0;
      readers.set(v, k + 1);
      let name = v;
      if (k > 0) {
        for (let j = k; taken.has((name = `${v}.untied${j}`)); j++);
        taken.add(name);
        const src = copy.initializers.get(v)!;
        const t = noGrad(() => tidy(() => keep(clone(detach(src.tensor)))));
        if (src.kind === 'param') t.requiresGrad = true;
        initializers.set(name, { tensor: t, kind: src.kind });
      }
      own.set(v, name);
      return name;
    });
    return { ...n, inputs };
  });
  const out = new Graph({ name: copy.name, inputs: copy.inputs, outputs: copy.outputs, nodes, initializers, opset: copy.opset, metadata: copy.metadata });
  for (const [k, v] of copy.valueInfo) out.valueInfo.set(k, v);
  return out;
}
