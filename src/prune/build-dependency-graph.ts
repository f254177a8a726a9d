import type { Graph } from '../graph/index.js';
import { inferShapes } from '../exec/index.js';
import { DependencyGraph } from './dependency-graph.js';
import { Analyzer } from './analyzer.js';
import { visit } from './channel-rules.js';
import { finalizeGroups } from './finalize-groups.js';

/** Options of the analysis: node names to leave untouched. */
export type AnalyzeOptions = { ignore?: readonly string[] };

/** Builds the dependency graph: one pass over the nodes in topological order (channel-rules.ts), then units and groups. */
export function buildDependencyGraph(g: Graph, o: AnalyzeOptions = {}): DependencyGraph {
  if (g.nodes.some((n) => n.outputs.some((v) => v && !g.valueInfo.has(v)))) inferShapes(g);
  const an = new Analyzer(g, new DependencyGraph(g));
  an.markInputs();
  const ignore = new Set(o.ignore ?? []);
  for (const n of g.nodes) {
    if (ignore.has(n.name)) an.unknown(n, 'ignored by the user');
    else visit(an, n);
  }
  an.freezeOutputs();
  finalizeGroups(an.dg);
  return an.dg;
}
