import { add, arange, callAten, cast, eq, isFloating, lt, reshape, tensor, transpose, where } from '../../tensor/index.js';
import { attrInt } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { checkedAxis, intsOf, invalid, need } from './util.js';
import { onDeviceOf } from './device.js';

/** Tensors longer than this are refused by Range and OneHot: a bad constant must not ask for gigabytes. */
const MAX_ELEMENTS = 2 ** 31 - 1;

/** Range: start, start + delta, ... while below (above, for a negative delta) limit, in start's type. */
const Range: Kernel = (inputs, ctx) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => need(inputs, i, ctx).item()) as [number, number, number];
  if (delta === 0) invalid(ctx, 'delta is 0');
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  if (!Number.isFinite(n) || n > MAX_ELEMENTS) invalid(ctx, `${n} elements from start ${start}, limit ${limit}, delta ${delta}`);
  const dtype = need(inputs, 0, ctx).dtype;
  const values = Array.from({ length: n }, (_, i) => start + i * delta);
  const direct = dtype === 'int64' || dtype === 'int32' || dtype === 'float64' || dtype === 'float32';
  return [onDeviceOf(direct ? tensor(values, [n], dtype) : cast(tensor(values, [n], 'float64'), dtype), need(inputs, 0, ctx))];
};

/** Tile: repeats each axis `repeats[i]` times. */
const Tile: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const repeats = intsOf(need(inputs, 1, ctx));
  if (repeats.length !== x.rank) invalid(ctx, `${repeats.length} repeats for rank ${x.rank}`);
  if (repeats.some((r) => r < 0)) invalid(ctx, `negative repeats [${repeats.join(', ')}]`);
  return [callAten('repeat', '', x, repeats)];
};

/** Trilu: the upper (triu) or lower (tril) triangle of the last two axes, shifted by the optional k. */
const Trilu: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  if (x.rank < 2) invalid(ctx, `input of rank ${x.rank} (at least 2)`);
  const k = inputs[1] ? inputs[1].item() : 0;
  return [callAten(attrInt(ctx.node, 'upper', 1) === 1 ? 'triu' : 'tril', '', x, k)];
};

/**
 * OneHot: `values` [off, on] at positions equal (on) or not (off) to each index along a new axis of size depth;
 * negative indices count from depth, and indices outside [-depth, depth) give all off.
 */
const OneHot: Kernel = (inputs, ctx) => {
  const indices = need(inputs, 0, ctx);
  const depth = Math.trunc(need(inputs, 1, ctx).item());
  const values = need(inputs, 2, ctx);
  if (depth < 1 || depth * indices.numel > MAX_ELEMENTS) invalid(ctx, `depth ${depth}`);
  if (values.numel !== 2) invalid(ctx, `values has ${values.numel} elements, expected [off, on]`);
  const rank = indices.rank + 1;
  const a = checkedAxis(attrInt(ctx.node, 'axis', -1), rank, ctx);
  let idx = isFloating(indices.dtype) ? cast(callAten('trunc', '', indices), 'int64') : cast(indices, 'int64');
  idx = where(lt(idx, 0), add(idx, depth), idx);
  const shape = indices.shape;
  const at = reshape(idx, [...shape.slice(0, a), 1, ...shape.slice(a)]);
  const positions = reshape(onDeviceOf(arange(0, depth, 1, { dtype: 'int64' }), idx), Array.from({ length: rank }, (_, i) => (i === a ? depth : 1)));
  const [off, on] = [0, 1].map((i) => callAten('select', 'int', values, 0, i));
  return [where(eq(at, positions), on!, off!)];
};

/** NonZero: the indices of the non-zero elements as [rank, count], in row-major order. */
const NonZero: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const nz = callAten('nonzero', '', x.rank === 0 ? reshape(x, [1]) : x);
  return [x.rank === 0 ? reshape(transpose(nz, 0, 1), [0, -1]) : transpose(nz, 0, 1)];
};

export const generateKernels: Record<string, Kernel> = { Range, Tile, Trilu, OneHot, NonZero };
