import { hardswish, silu, type Tensor } from '../tensor/index.js';
import type { Graph, Node } from '../graph/index.js';
import { hardSigmoidAttrs } from './kernels/elementwise.js';

/** A Mul that the executor runs as one op on `x`, and the gate node whose work that op includes. */
export type FusedGate = { x: string; op: (x: Tensor) => Tensor; gate: Node };

function gateOp(gate: Node): ((x: Tensor) => Tensor) | null {
  if (gate.domain !== '') return null;
  if (gate.opType === 'Sigmoid') return silu;
  if (gate.opType === 'HardSigmoid' && hardSigmoidAttrs(gate).torch) return hardswish;
  return null;
}

/**
 * The Muls of x by a gate of x, Sigmoid(x) or HardSigmoid(x) with PyTorch's attributes, whose gate only that Mul reads
 * and nobody asked for: how PyTorch exports SiLU and, before opset 14, Hardswish. They run as silu and hardswish,
 * PyTorch's own kernels (one each way, where the pair takes a gate, a product and both their backwards).
 */
export function fusedGates(g: Graph, uses: ReadonlyMap<string, number>, wanted: ReadonlySet<string>): Map<Node, FusedGate> {
  const producer = g.producers();
  const fused = new Map<Node, FusedGate>();
  for (const n of g.nodes) {
    if (n.opType !== 'Mul' || n.domain !== '' || n.inputs.length !== 2) continue;
    const [a, b] = n.inputs as [string, string];
    for (const [x, s] of [[a, b], [b, a]] as const) {
      const gate = producer.get(s);
      if (!gate || gate.inputs[0] !== x || uses.get(s) !== 1 || wanted.has(s)) continue;
      const op = gateOp(gate);
      if (op) {
        fused.set(n, { x, op, gate });
        break;
      }
    }
  }
  return fused;
}
