import { mul, noGrad, tensor, tidy, keep } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { survivor, type PruningPlan } from './surgery.js';
import { keptPositions } from './index-mapping.js';

/**
 * The plan as a mask instead of surgery: a copy of the original graph whose removed channels are zeroed at their
 * sources (weights and biases of removed output channels, BN scale and shift, per-channel additive or
 * multiplicative constants), so those activations are exactly 0. In eval mode it computes what the pruned graph
 * computes, which is how the pruning tests check surgery.
 */
export function zeroRemovedChannels(plan: PruningPlan): Graph {
  const { dg } = plan;
  const copy = dg.graph.clone();
  const survives = survivor(plan);
  const constOps = new Set(['Add', 'Sub', 'Mul', 'PRelu']);
  const nodes = new Map(dg.graph.nodes.map((n) => [n.name, n]));
  noGrad(() => {
    for (const c of dg.cuts) {
      const zeroable = c.side === 'out' && (c.role === 'weight' || c.role === 'bias' || c.role === 'bn-scale' || c.role === 'bn-shift' || (c.role === 'constant' && constOps.has(nodes.get(c.node)!.opType)));
      if (!zeroable) continue;
      const atoms = dg.maps[c.map]!;
      if (keptPositions(atoms, survives).length === atoms.length) continue;
      const t = copy.initializers.get(c.init)!.tensor;
      const shape = t.shape.map((d, i) => (i === c.axis ? d : 1));
      const masked = tidy(() => keep(mul(t, tensor(Array.from(atoms, (a) => (survives(a) ? 1 : 0)), shape))));
      copy.setTensor(c.init, masked);
    }
  });
  return copy;
}
