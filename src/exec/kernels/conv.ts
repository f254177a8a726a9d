import { callAten, conv2d, pad, type Tensor } from '../../tensor/index.js';
import { attrInt, attrInts, attrString } from '../../graph/index.js';
import type { Kernel, KernelContext } from '../kernel.js';
import { need, unsupported } from './util.js';

const ones = (n: number): number[] => Array.from({ length: n }, () => 1);

/**
 * ONNX pads [begin per spatial dim..., end per spatial dim...] of a window over `inDims`, resolving auto_pad
 * (SAME_UPPER puts the odd pixel at the end, SAME_LOWER at the beginning) from the input size.
 */
export function windowPads(ctx: KernelContext, inDims: readonly number[], kernel: readonly number[], strides: readonly number[], dilations: readonly number[]): number[] {
  const n = inDims.length;
  const auto = attrString(ctx.node, 'auto_pad', 'NOTSET');
  if (auto === 'NOTSET') {
    const p = attrInts(ctx.node, 'pads', new Array<number>(2 * n).fill(0));
    return p.length === 2 * n ? [...p] : unsupported(ctx, `pads of length ${p.length} for ${n} spatial dims`);
  }
  if (auto === 'VALID') return new Array<number>(2 * n).fill(0);
  const begin: number[] = [];
  const end: number[] = [];
  for (let d = 0; d < n; d++) {
    const out = Math.ceil(inDims[d]! / strides[d]!);
    const total = Math.max(0, (out - 1) * strides[d]! + (kernel[d]! - 1) * dilations[d]! + 1 - inDims[d]!);
    const small = Math.floor(total / 2);
    begin.push(auto === 'SAME_LOWER' ? total - small : small);
    end.push(auto === 'SAME_LOWER' ? small : total - small);
  }
  return [...begin, ...end];
}

/** libtorch's pad widths for ONNX pads [begins..., ends...]: (begin, end) pairs from the last dim backwards. */
export function torchPadWidths(pads: readonly number[]): number[] {
  const n = pads.length / 2;
  const w: number[] = [];
  for (let d = n - 1; d >= 0; d--) w.push(pads[d]!, pads[d + n]!);
  return w;
}

/** Symmetric pads go to the op; asymmetric ones are applied first as an explicit pad of `value`. */
export function splitPads(x: Tensor, pads: readonly number[], value: number): { x: Tensor; padding: number[] } {
  const n = pads.length / 2;
  const begin = pads.slice(0, n);
  if (begin.every((b, d) => b === pads[d + n])) return { x, padding: begin };
  return { x: pad(x, torchPadWidths(pads), 'constant', value), padding: new Array<number>(n).fill(0) };
}

/** Conv of any spatial rank: 2-D on conv2d (with its workaround), 1-D and 3-D on libtorch's convolution. */
const Conv: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const w = need(inputs, 1, ctx);
  const n = x.rank - 2;
  if (n < 1 || n > 3) unsupported(ctx, `a convolution of input rank ${x.rank} (1-D to 3-D)`);
  const kernel = attrInts(ctx.node, 'kernel_shape', w.shape.slice(2));
  const strides = attrInts(ctx.node, 'strides', ones(n));
  const dilations = attrInts(ctx.node, 'dilations', ones(n));
  const s = splitPads(x, windowPads(ctx, x.shape.slice(2), kernel, strides, dilations), 0);
  const groups = attrInt(ctx.node, 'group', 1);
  const b = inputs[2] ?? null;
  if (n !== 2) return [callAten('convolution', '', s.x, w, b, strides, s.padding, dilations, false, new Array<number>(n).fill(0), groups)];
  return [conv2d(s.x, w, b, { stride: [strides[0]!, strides[1]!], padding: [s.padding[0]!, s.padding[1]!], dilation: [dilations[0]!, dilations[1]!], groups })];
};

export const convKernels = { Conv };
