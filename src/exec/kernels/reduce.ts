import { amax, clone, mean, sum, type Tensor } from '../../tensor/index.js';
import { attrInt } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { checkedAxis, intsInputOrAttr, need } from './util.js';

/**
 * A Reduce op: axes from the input (ReduceSum from opset 13, the others from 18) or the attribute before that; no
 * axes means every axis, unless noop_with_empty_axes makes it the identity. keepdims defaults to 1.
 */
export function reduce(f: (x: Tensor, axes: number[], keep: boolean) => Tensor): Kernel {
  return (inputs, ctx) => {
    const x = need(inputs, 0, ctx);
    const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
    const given = intsInputOrAttr(inputs, 1, ctx, 'axes') ?? [];
    if (given.length === 0 && attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1) return [clone(x)];
    const axes = given.length ? given.map((a) => checkedAxis(a, x.rank, ctx)) : Array.from({ length: x.rank }, (_, i) => i);
    return [f(x, axes, keep)];
  };
}

export const reduceKernels = {
  ReduceMean: reduce((x, axes, keep) => mean(x, axes, keep)),
  ReduceSum: reduce((x, axes, keep) => sum(x, axes, keep)),
  ReduceMax: reduce((x, axes, keep) => amax(x, axes, keep)),
};
