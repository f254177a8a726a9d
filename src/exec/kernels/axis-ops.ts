import { callAten, callAtenMany, flip, isFloating, sub, type Tensor } from '../../tensor/index.js';
import { attrInt, attrString } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { checkedAxis, invalid, need } from './util.js';

/**
 * ArgMax / ArgMin along `axis`: the first index of the extreme value, or with select_last_index the last one (the
 * first on the flipped axis, mapped back).
 */
function argExtreme(name: 'argmax' | 'argmin'): Kernel {
  return (inputs, ctx) => {
    const x = need(inputs, 0, ctx);
    const a = checkedAxis(attrInt(ctx.node, 'axis', 0), Math.max(x.rank, 1), ctx);
    const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
    if (attrInt(ctx.node, 'select_last_index', 0) === 0) return [callAten(name, '', x, a, keep)];
    const i = callAten(name, '', flip(x, [a]), a, keep);
    return [sub(callAten('full_like', '', i, x.shape[a]! - 1, null, null, null, null, null), i)];
  };
}

/**
 * TopK: the k largest (or smallest) values along `axis` and their int64 indices, sorted. Ties go to the lower index,
 * as ONNX asks: libtorch's stable sort, taken k long, gives that order where its topk does not promise one.
 */
const TopK: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const k = need(inputs, 1, ctx).toArray()[0]!;
  const a = checkedAxis(attrInt(ctx.node, 'axis', -1), x.rank, ctx);
  if (!Number.isInteger(k) || k < 0 || k > x.shape[a]!) invalid(ctx, `k = ${k} for an axis of size ${x.shape[a]}`);
  const largest = attrInt(ctx.node, 'largest', 1) === 1;
  const [values, indices] = callAtenMany('sort', 'stable', x, true, a, largest) as [Tensor, Tensor];
  return [callAten('narrow', '', values, a, 0, k), callAten('narrow', '', indices, a, 0, k)];
};

/**
 * CumSum along the axis input: `exclusive` shifts by one (the sum of the elements before), `reverse` runs from the
 * end. Integer inputs keep their type.
 */
const CumSum: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const a = checkedAxis(need(inputs, 1, ctx).item(), x.rank, ctx);
  const reverse = attrInt(ctx.node, 'reverse', 0) === 1;
  const src = reverse ? flip(x, [a]) : x;
  let y = callAten('cumsum', '', src, a, isFloating(x.dtype) ? null : x.dtype);
  if (attrInt(ctx.node, 'exclusive', 0) === 1) y = sub(y, src);
  return [reverse ? flip(y, [a]) : y];
};

/** Einsum: libtorch's, on the equation without spaces (ONNX allows them). */
const Einsum: Kernel = (inputs, ctx) => {
  const eq = attrString(ctx.node, 'equation', '').replace(/\s+/g, '');
  if (!eq) invalid(ctx, "attribute 'equation' is required");
  const xs = inputs.map((t, i) => t ?? need(inputs, i, ctx));
  return [callAten('einsum', '', eq, xs, null)];
};

export const axisKernels: Record<string, Kernel> = { ArgMax: argExtreme('argmax'), ArgMin: argExtreme('argmin'), TopK, CumSum, Einsum };
