import { abs, add, callAten, clone, div, log, maximum, minimum, mul, reshape, sqrt, sum, zerosLike, type Tensor } from '../../tensor/index.js';
import { attrInt } from '../../graph/index.js';
import type { Kernel, KernelContext } from '../kernel.js';
import { reduce } from './reduce.js';
import { axis, invalid, need } from './util.js';

/** Sum, Mean, Max and Min over any number of inputs, numpy-broadcast (opset 8 on; opset 6's equal shapes are a case of it). */
function variadic(f: (a: Tensor, b: Tensor) => Tensor, mean = false): Kernel {
  return (inputs, ctx) => {
    const xs = inputs.filter((t): t is Tensor => t !== null);
    if (xs.length === 0) invalid(ctx, 'needs at least one input');
    let y = xs.length === 1 ? clone(xs[0]!) : f(xs[0]!, xs[1]!);
    for (const x of xs.slice(2)) y = f(y, x);
    return [mean ? div(y, xs.length) : y];
  };
}

/** Hardmax: 1 at the first maximum along the axis, 0 elsewhere; before opset 13 over the input flattened to 2-D at `axis`. */
const Hardmax: Kernel = (inputs, ctx: KernelContext) => {
  const x = need(inputs, 0, ctx);
  const shape = x.shape;
  const legacy = ctx.opset < 13;
  const a = axis(attrInt(ctx.node, 'axis', legacy ? 1 : -1), shape.length);
  if (a < 0 || a >= Math.max(shape.length, 1)) invalid(ctx, `axis ${attrInt(ctx.node, 'axis', 0)} is out of range for rank ${shape.length}`);
  const x2 = legacy ? reshape(x, [shape.slice(0, a).reduce((p, d) => p * d, 1), -1]) : x;
  const dim = legacy ? 1 : a;
  const at = callAten('argmax', '', x2, dim, true);
  const y = callAten('scatter', 'value', zerosLike(x2), dim, at, 1);
  return [legacy ? reshape(y, shape) : y];
};

/** Reduce over one axis at a time where aten takes a single dim (prod). */
function prodOver(x: Tensor, axes: number[], keep: boolean): Tensor {
  let y = x;
  for (const a of [...axes].sort((p, q) => q - p)) y = callAten('prod', 'dim_int', y, a, keep, null);
  return y;
}

export const variadicKernels: Record<string, Kernel> = {
  Sum: variadic(add),
  Mean: variadic(add, true),
  Max: variadic(maximum),
  Min: variadic(minimum),
  Hardmax,
  ReduceMin: reduce((x, axes, keep) => callAten('amin', '', x, axes, keep)),
  ReduceProd: reduce(prodOver),
  ReduceL1: reduce((x, axes, keep) => sum(abs(x), axes, keep)),
  ReduceL2: reduce((x, axes, keep) => sqrt(sum(mul(x, x), axes, keep))),
  ReduceSumSquare: reduce((x, axes, keep) => sum(mul(x, x), axes, keep)),
  ReduceLogSum: reduce((x, axes, keep) => log(sum(x, axes, keep))),
  ReduceLogSumExp: reduce((x, axes, keep) => callAten('logsumexp', '', x, axes, keep)),
};
