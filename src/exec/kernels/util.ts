import type { Tensor } from '../../tensor/index.js';
import { GraphError } from '../../graph/index.js';
import type { KernelContext } from '../kernel.js';

/** The i-th input, which the op requires. */
export function need(inputs: readonly (Tensor | null)[], i: number, ctx: KernelContext): Tensor {
  const t = inputs[i];
  if (!t) throw new GraphError(`node '${ctx.node.name}' (${ctx.node.opType}): input ${i} is required`, undefined, ctx.node.name);
  return t;
}

/** A small int64/int32 tensor's values as numbers (shapes, axes, pads given as inputs). */
export function intsOf(t: Tensor): number[] {
  return t.toArray();
}

export function unsupported(ctx: KernelContext, what: string): never {
  throw new GraphError(`node '${ctx.node.name}' (${ctx.node.opType}): ${what} is not supported`, undefined, ctx.node.name);
}

/** Normalises a possibly negative axis against a rank. */
export function axis(a: number, rank: number): number {
  return a < 0 ? a + rank : a;
}
