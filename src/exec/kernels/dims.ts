import { clone, expand, reshape, tensor } from '../../tensor/index.js';
import { attrInt } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { checkedAxis, intsInputOrAttr, intsOf, invalid, need } from './util.js';

/** Squeeze the given axes (input from opset 13, attribute before), or every dim of size 1 when none are given. */
const Squeeze: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const shape = x.shape;
  const given = intsInputOrAttr(inputs, 1, ctx, 'axes');
  const axes = new Set(given?.length ? given.map((a) => checkedAxis(a, shape.length, ctx)) : shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  for (const a of axes) if (shape[a] !== 1) invalid(ctx, `cannot squeeze axis ${a} of size ${shape[a]}`);
  return [reshape(x, shape.filter((_, i) => !axes.has(i)))];
};

/** Unsqueeze: axes (input from opset 13, attribute before) index the output, whose rank is rank + axes.length. */
const Unsqueeze: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const given = intsInputOrAttr(inputs, 1, ctx, 'axes') ?? invalid(ctx, 'axes are required');
  const rank = x.rank + given.length;
  const axes = new Set(given.map((a) => checkedAxis(a, rank, ctx)));
  if (axes.size !== given.length) invalid(ctx, `axes [${given.join(', ')}] repeat an axis`);
  const rest = x.shape;
  return [reshape(x, Array.from({ length: rank }, (_, i) => (axes.has(i) ? 1 : rest.shift()!)))];
};

/** The input's shape as int64, optionally dims start..end (opset 15; negative from the end, clamped to the rank). */
const Shape: Kernel = (inputs, ctx) => {
  const shape = need(inputs, 0, ctx).shape;
  const r = shape.length;
  const bound = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const dims = shape.slice(bound(attrInt(ctx.node, 'start', 0)), bound(attrInt(ctx.node, 'end', r)));
  return [tensor(dims, [dims.length], 'int64')];
};

/** Expand: broadcasts the input and the shape input against each other (either side may hold the 1s). */
const Expand: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const target = intsOf(need(inputs, 1, ctx));
  const s = x.shape;
  const n = Math.max(s.length, target.length);
  const out = Array.from({ length: n }, (_, i) => {
    const a = s[i - (n - s.length)] ?? 1;
    const b = target[i - (n - target.length)] ?? 1;
    if (a !== b && a !== 1 && b !== 1) invalid(ctx, `shape [${s.join(', ')}] does not broadcast to [${target.join(', ')}]`);
    return a === 1 ? b : a;
  });
  return [out.length === s.length && out.every((d, i) => d === s[i]) ? clone(x) : expand(x, out)];
};

export const dimsKernels = { Squeeze, Unsqueeze, Shape, Expand };
