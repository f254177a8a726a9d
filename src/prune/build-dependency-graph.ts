import type { Graph } from '../graph/index.js';
import { inferShapes } from '../exec/index.js';
import { DependencyGraph } from './dependency-graph.js';
import { Analyzer } from './analyzer.js';
import { visit } from './channel-rules.js';
import { finalizeGroups } from './finalize-groups.js';
import { findAttention, relateAttention, type AttentionMode } from './attention.js';
import { FROZEN } from './index-mapping.js';

/**
 * Options of the analysis: node names to leave untouched; how attention is pruned (whole heads by default, or the
 * dimensions inside every head); whether the residual stream of a transformer (its embedding width) is pruned.
 */
export type AnalyzeOptions = { ignore?: readonly string[]; attention?: AttentionMode; pruneEmbedding?: boolean };

/** Builds the dependency graph: one pass over the nodes in topological order (channel-rules.ts), then units and groups. */
export function buildDependencyGraph(g: Graph, o: AnalyzeOptions = {}): DependencyGraph {
  if (g.nodes.some((n) => n.outputs.some((v) => v && !g.valueInfo.has(v)))) inferShapes(g);
  const an = new Analyzer(g, new DependencyGraph(g));
  an.markInputs();
  const ignore = new Set(o.ignore ?? []);
  const { blocks, rejected } = findAttention(an);
  for (const b of blocks) {
    if ([...b.nodes].some((n) => ignore.has(n))) continue;
    // the whole attention is related when its last node (the merge Reshape) is reached; the others do nothing
    for (const n of b.nodes) an.patterns.set(n, () => undefined);
    an.patterns.set(b.merge.name, () => relateAttention(an, b, o.attention ?? 'heads'));
  }
  an.dg.attentionCount = blocks.length;
  for (const r of rejected) an.note(r.node, r.reason);
  for (const n of g.nodes) {
    if (ignore.has(n.name)) an.unknown(n, 'ignored by the user');
    else visit(an, n);
  }
  an.freezeOutputs();
  finalizeGroups(an.dg);
  if (o.pruneEmbedding === false) freezeEmbedding(an.dg);
  return an.dg;
}

/** Leaves every embedding group whole (its units merged with FROZEN), then regroups. */
function freezeEmbedding(dg: DependencyGraph): void {
  const units = new Set(dg.groups.filter((gr) => gr.kind === 'embedding').flatMap((gr) => gr.units));
  if (!units.size) return;
  for (let a = 1; a < dg.parent.length; a++) if (units.has(dg.unitOf[a]!)) dg.union(FROZEN, a);
  for (const gr of dg.groups) if (gr.kind === 'embedding') dg.untouched.push({ node: gr.name, reason: 'the embedding width (residual stream) is kept: --prune-embedding off' });
  finalizeGroups(dg);
}
