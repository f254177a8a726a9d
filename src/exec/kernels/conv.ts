import { conv2d, pad, type Tensor } from '../../tensor/index.js';
import { attrInt, attrInts, attrString } from '../../graph/index.js';
import type { Kernel, KernelContext } from '../kernel.js';
import { need, unsupported } from './util.js';

/**
 * ONNX pads [h_begin, w_begin, h_end, w_end] for a 2-D window, resolving auto_pad (SAME_UPPER puts the odd pixel at
 * the end, SAME_LOWER at the beginning) from the input size.
 */
export function windowPads(ctx: KernelContext, inHW: readonly number[], kernel: readonly number[], strides: readonly number[], dilations: readonly number[]): number[] {
  const auto = attrString(ctx.node, 'auto_pad', 'NOTSET');
  if (auto === 'NOTSET') {
    const p = attrInts(ctx.node, 'pads', [0, 0, 0, 0]);
    return p.length === 4 ? [...p] : unsupported(ctx, `pads of length ${p.length}`);
  }
  if (auto === 'VALID') return [0, 0, 0, 0];
  const begin: number[] = [];
  const end: number[] = [];
  for (let d = 0; d < 2; d++) {
    const out = Math.ceil(inHW[d]! / strides[d]!);
    const total = Math.max(0, (out - 1) * strides[d]! + (kernel[d]! - 1) * dilations[d]! + 1 - inHW[d]!);
    const small = Math.floor(total / 2);
    begin.push(auto === 'SAME_LOWER' ? total - small : small);
    end.push(auto === 'SAME_LOWER' ? small : total - small);
  }
  return [begin[0]!, begin[1]!, end[0]!, end[1]!];
}

/** Symmetric pads go to the op; asymmetric ones are applied first as an explicit pad of `value`. */
export function splitPads(x: Tensor, pads: readonly number[], value: number): { x: Tensor; padding: [number, number] } {
  const [hb, wb, he, we] = pads as [number, number, number, number];
  if (hb === he && wb === we) return { x, padding: [hb, wb] };
  return { x: pad(x, [wb, we, hb, he], 'constant', value), padding: [0, 0] };
}

const Conv: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const w = need(inputs, 1, ctx);
  if (x.rank !== 4) unsupported(ctx, `a ${x.rank - 2}-D convolution (only 2-D)`);
  const ws = w.shape;
  const kernel = attrInts(ctx.node, 'kernel_shape', ws.slice(2));
  const strides = attrInts(ctx.node, 'strides', [1, 1]);
  const dilations = attrInts(ctx.node, 'dilations', [1, 1]);
  const pads = windowPads(ctx, x.shape.slice(2), kernel, strides, dilations);
  const s = splitPads(x, pads, 0);
  return [conv2d(s.x, w, inputs[2] ?? null, { stride: [strides[0]!, strides[1]!], padding: s.padding, dilation: [dilations[0]!, dilations[1]!], groups: attrInt(ctx.node, 'group', 1) })];
};

export const convKernels = { Conv };
