import { add, callAtenMany, cast, clone, flip, indexSelect, lt, pad, reshape, slice, tensor, where, type Tensor } from '../../tensor/index.js';
import { attrFloat, attrInt, attrString } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { checkedAxis, intsInputOrAttr, intsOf, invalid, need } from './util.js';

/**
 * Split along `axis`: sizes from the `split` input (opset 13+) or attribute (before 13); without them, equal parts,
 * one per output, or `num_outputs` parts (opset 18) of ceil(dim / n) with a smaller last one.
 */
const Split: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const a = checkedAxis(attrInt(ctx.node, 'axis', 0), x.rank, ctx);
  const dim = x.shape[a]!;
  let sizes = intsInputOrAttr(inputs, 1, ctx, 'split');
  if (!sizes || sizes.length === 0) {
    const n = attrInt(ctx.node, 'num_outputs', ctx.node.outputs.length);
    const chunk = Math.ceil(dim / n);
    if (!ctx.node.attrs['num_outputs'] && chunk * n !== dim) invalid(ctx, `dim ${dim} does not split into ${n} equal parts`);
    sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
  }
  if (sizes.reduce((p, d) => p + d, 0) !== dim) invalid(ctx, `split sizes [${sizes.join(', ')}] do not add up to dim ${dim}`);
  return callAtenMany('split_with_sizes', '', x, sizes, a);
};

/**
 * Slice with starts/ends/axes/steps inputs (opset 10+; attributes in opset 1). Bounds follow the spec: negative
 * ones count from the end, then clamp to [0, dim] (step > 0) or [0, dim - 1] and [-1, dim - 1] (step < 0).
 * Negative steps run on the flipped axis, since libtorch's slice takes only positive steps.
 */
const Slice: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const shape = x.shape;
  const starts = intsInputOrAttr(inputs, 1, ctx, 'starts') ?? invalid(ctx, 'starts are required');
  const ends = intsInputOrAttr(inputs, 2, ctx, 'ends') ?? invalid(ctx, 'ends are required');
  const axes = intsInputOrAttr(inputs, 3, ctx, 'axes') ?? starts.map((_, i) => i);
  const steps = inputs[4] ? intsOf(inputs[4]) : starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) invalid(ctx, 'starts, ends, axes and steps differ in length');
  let y: Tensor = x;
  starts.forEach((s0, k) => {
    const a = checkedAxis(axes[k]!, shape.length, ctx);
    const d = shape[a]!;
    const step = steps[k]!;
    if (step === 0) invalid(ctx, `step 0 on axis ${a}`);
    const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
    let start = s0 < 0 ? s0 + d : s0;
    let end = ends[k]! < 0 ? ends[k]! + d : ends[k]!;
    if (step > 0) {
      start = clamp(start, 0, d);
      end = clamp(end, 0, d);
      y = slice(y, a, start, Math.max(start, end), step);
    } else if (d === 0) {
      y = slice(y, a, 0, 0, 1);
    } else {
      start = clamp(start, 0, d - 1);
      end = clamp(end, -1, d - 1);
      // Index i of the axis is index d - 1 - i of the flipped axis.
      const js = d - 1 - start;
      const je = d - 1 - end;
      y = slice(flip(y, [a]), a, js, Math.max(js, je), -step);
    }
  });
  return [y === x ? clone(x) : y];
};

/** Gather along `axis`; negative indices count from the end. Output: data dims before axis, indices dims, dims after. */
const Gather: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const a = checkedAxis(attrInt(ctx.node, 'axis', 0), x.rank, ctx);
  let idx = need(inputs, 1, ctx);
  const idxShape = idx.shape;
  if (idx.dtype !== 'int64') idx = cast(idx, 'int64');
  idx = where(lt(idx, 0), add(idx, x.shape[a]!), idx);
  const picked = indexSelect(x, a, reshape(idx, [-1]));
  return [reshape(picked, [...x.shape.slice(0, a), ...idxShape, ...x.shape.slice(a + 1)])];
};

/** Pads of Pad: [begin per axis..., end per axis...] over `axes` (opset 18) or every axis. */
function padWidths(pads: readonly number[], axes: readonly number[]): { begin: Map<number, number>; end: Map<number, number> } {
  const begin = new Map<number, number>();
  const end = new Map<number, number>();
  axes.forEach((a, k) => {
    begin.set(a, pads[k]!);
    end.set(a, pads[k + axes.length]!);
  });
  return { begin, end };
}

/** Source index of each output position along one axis for the reflect, edge and wrap modes. */
function padIndices(mode: string, d: number, b: number, e: number): number[] {
  const out: number[] = [];
  for (let i = -b; i < d + e; i++) {
    let j = i;
    if (mode === 'edge') j = Math.min(Math.max(i, 0), d - 1);
    else if (mode === 'wrap') j = ((i % d) + d) % d;
    else if (d === 1) j = 0;
    else {
      const period = 2 * (d - 1);
      j = ((i % period) + period) % period;
      if (j >= d) j = period - j;
    }
    out.push(j);
  }
  return out;
}

/**
 * Pad: pads from the input (opset 11+) or attribute, constant_value from the input or the `value` attribute,
 * optional axes (opset 18). Negative pads crop. Constant mode goes to libtorch's pad; reflect, edge and wrap pick
 * source indices per axis (index_select), which works on any axis of any rank.
 */
const Pad: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const mode = attrString(ctx.node, 'mode', 'constant');
  if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) invalid(ctx, `mode '${mode}' is not a Pad mode`);
  const shape = x.shape;
  const pads = intsInputOrAttr(inputs, 1, ctx, 'pads') ?? invalid(ctx, 'pads are required');
  const axes = inputs[3] ? intsOf(inputs[3]).map((a) => checkedAxis(a, shape.length, ctx)) : shape.map((_, i) => i);
  if (pads.length !== 2 * axes.length) invalid(ctx, `${pads.length} pads for ${axes.length} axes`);
  const value = inputs[2] ? inputs[2].item() : attrFloat(ctx.node, 'value', 0);
  const { begin, end } = padWidths(pads, axes);
  let y: Tensor = x;
  for (const a of axes) {
    const b = begin.get(a)!;
    const e = end.get(a)!;
    if (b < 0 || e < 0) y = slice(y, a, Math.max(0, -b), shape[a]! - Math.max(0, -e));
  }
  const cropped = y.shape;
  if (mode === 'constant') {
    // libtorch's widths run from the last axis backwards: [last_begin, last_end, ...] down to the first padded axis.
    const padded = axes.filter((a) => begin.get(a)! > 0 || end.get(a)! > 0);
    const widths: number[] = [];
    if (padded.length) for (let a = shape.length - 1; a >= Math.min(...padded); a--) widths.push(Math.max(0, begin.get(a) ?? 0), Math.max(0, end.get(a) ?? 0));
    if (widths.length) y = pad(y, widths, 'constant', value);
  } else {
    for (const a of axes) {
      const b = Math.max(0, begin.get(a)!);
      const e = Math.max(0, end.get(a)!);
      if (b === 0 && e === 0) continue;
      if (cropped[a] === 0) invalid(ctx, `cannot ${mode}-pad the empty axis ${a}`);
      const idx = padIndices(mode, cropped[a]!, b, e);
      y = indexSelect(y, a, tensor(idx, [idx.length], 'int64'));
    }
  }
  return [y === x ? clone(x) : y];
};

export const indexingKernels = { Split, Slice, Gather, Pad };
