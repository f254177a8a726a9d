import { createHash } from 'node:crypto';
import type { Graph } from '../graph/index.js';

/**
 * A 48-bit digest of a graph's structure: nodes (op, wiring, attributes) and initializers (name, kind, dtype,
 * shape), not their values. Exact in a float64, so ranks can compare digests with one collective.
 */
export function graphDigest(g: Graph): number {
  const h = createHash('sha256');
  for (const v of [...g.inputs, ...g.outputs]) h.update(`io ${v.name}\n`);
  for (const n of g.nodes) {
    const attrs = Object.entries(n.attrs).map(([k, a]) => `${k}:${a.kind === 'tensor' ? 'tensor' : JSON.stringify(a.value)}`);
    h.update(`node ${n.name} ${n.opType} ${n.domain} ${n.inputs.join(',')} -> ${n.outputs.join(',')} ${attrs.join(';')}\n`);
  }
  for (const [name, init] of g.initializers) h.update(`init ${name} ${init.kind} ${init.tensor.dtype} ${init.tensor.shape.join('x')}\n`);
  return h.digest().readUIntBE(0, 6);
}
