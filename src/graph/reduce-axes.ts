import { attrInts } from './attrs.js';
import type { Graph } from './graph.js';
import type { Node } from './ir.js';

/** The reduced axes of a Reduce op (attribute before opset 18, input after), normalised to `rank`; null if computed. */
export function reduceAxes(g: Graph, n: Node, rank: number): number[] | null {
  const given = n.inputs[1] ? g.initializers.get(n.inputs[1])?.tensor.toArray() ?? null : [...attrInts(n, 'axes', [])];
  return given ? given.map((a) => (a < 0 ? a + rank : a)) : null;
}
