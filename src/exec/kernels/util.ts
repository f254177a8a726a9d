import { type Tensor } from '../../tensor/index.js';
import { attrInts, GraphError } from '../../graph/index.js';
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

/**
 * An int list that moved from an attribute to an input across opsets (Split's split, Squeeze's axes, Pad's pads,
 * the Reduce ops' axes): the input when the node has it, else the attribute, else undefined. Deciding by presence
 * rather than by opset accepts every valid model of either form.
 */
export function intsInputOrAttr(inputs: readonly (Tensor | null)[], i: number, ctx: KernelContext, attr: string): number[] | undefined {
  const t = inputs[i];
  if (t) return intsOf(t);
  const a = ctx.node.attrs[attr];
  return a ? [...attrInts(ctx.node, attr, [])] : undefined;
}

export function unsupported(ctx: KernelContext, what: string): never {
  throw new GraphError(`node '${ctx.node.name}' (${ctx.node.opType}): ${what} is not supported`, undefined, ctx.node.name);
}

/** Throws a GraphError naming the node: the model is invalid for this op. */
export function invalid(ctx: KernelContext, what: string): never {
  throw new GraphError(`node '${ctx.node.name}' (${ctx.node.opType}): ${what}`, undefined, ctx.node.name);
}

/** Normalises a possibly negative axis against a rank. */
export function axis(a: number, rank: number): number {
  return a < 0 ? a + rank : a;
}

/** Normalises an axis and checks it lies in [0, rank). */
export function checkedAxis(a: number, rank: number, ctx: KernelContext): number {
  const r = axis(a, rank);
  if (r < 0 || r >= rank) invalid(ctx, `axis ${a} is out of range for rank ${rank}`);
  return r;
}

/** The product of a list of dims (1 for none). */
export const prod = (xs: readonly number[]): number => xs.reduce((p, d) => p * d, 1);
