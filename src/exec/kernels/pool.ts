import { amax, avgPool2d, cast, div, isFloating, maxPool2d, mean, onesLike, pad, slice, type Tensor } from '../../tensor/index.js';
import { attrInt, attrInts } from '../../graph/index.js';
import type { Kernel, KernelContext } from '../kernel.js';
import { windowPads } from './conv.js';
import { need, unsupported } from './util.js';

type Pair = [number, number];

function poolArgs(x: Tensor, ctx: KernelContext) {
  if (x.rank !== 4) unsupported(ctx, `${x.rank - 2}-D pooling (only 2-D)`);
  const kernel = attrInts(ctx.node, 'kernel_shape', []);
  if (kernel.length !== 2) unsupported(ctx, `kernel_shape [${kernel.join(', ')}]`);
  const strides = attrInts(ctx.node, 'strides', [1, 1]);
  const dilations = attrInts(ctx.node, 'dilations', [1, 1]);
  return {
    kernel: [kernel[0]!, kernel[1]!] as Pair,
    strides: [strides[0]!, strides[1]!] as Pair,
    dilations: [dilations[0]!, dilations[1]!] as Pair,
    pads: windowPads(ctx, x.shape.slice(2), kernel, strides, dilations),
    ceilMode: attrInt(ctx.node, 'ceil_mode', 0) === 1,
  };
}

/**
 * After pooling an explicitly padded input with ceil_mode, drops a last window that starts in the end padding: the
 * ONNX spec ignores such windows (as libtorch does with its own padding), but libtorch counts explicit padding as input.
 */
function dropPadWindows(y: Tensor, inHW: readonly number[], a: ReturnType<typeof poolArgs>): Tensor {
  if (!a.ceilMode) return y;
  const [hb, wb, he, we] = a.pads as [number, number, number, number];
  const begin = [hb, wb];
  const total = [hb + he, wb + we];
  let out = y;
  for (let d = 0; d < 2; d++) {
    const span = (a.kernel[d]! - 1) * a.dilations[d]! + 1;
    let n = Math.ceil((inHW[d]! + total[d]! - span) / a.strides[d]!) + 1;
    if ((n - 1) * a.strides[d]! >= inHW[d]! + begin[d]!) n--;
    if (n < out.shape[2 + d]!) out = slice(out, 2 + d, 0, n);
  }
  return out;
}

// Torch pools pad symmetrically and at most half the kernel: anything else is padded explicitly first
// (-inf for max). Integer inputs (uint8, int8) are pooled as float32, which holds them exactly.
const MaxPool: Kernel = (inputs, ctx) => {
  let x = need(inputs, 0, ctx);
  const a = poolArgs(x, ctx);
  if (ctx.node.outputs[1]) unsupported(ctx, 'the Indices output');
  if (attrInt(ctx.node, 'storage_order', 0) !== 0) unsupported(ctx, 'storage_order=1');
  const dtype = x.dtype;
  if (!isFloating(dtype)) x = cast(x, 'float32');
  const [hb, wb, he, we] = a.pads as [number, number, number, number];
  const fits = hb === he && wb === we && 2 * hb <= a.kernel[0] && 2 * wb <= a.kernel[1];
  const s = fits ? { x, padding: [hb, wb] as Pair } : { x: pad(x, [wb, we, hb, he], 'constant', -Infinity), padding: [0, 0] as Pair };
  let y = maxPool2d(s.x, a.kernel, { stride: a.strides, padding: s.padding, dilation: a.dilations, ceilMode: a.ceilMode });
  if (!fits) y = dropPadWindows(y, x.shape.slice(2), a);
  return [y.dtype === dtype ? y : cast(y, dtype)];
};

/**
 * AveragePool. Symmetric pads of at most half the kernel go to libtorch as they are. Otherwise the input is padded
 * with zeros explicitly; with count_include_pad=0 the result is then divided by the same pool of a mask (1 inside
 * the input, 0 in the padding), which turns the padded mean back into the mean over real pixels.
 */
const AveragePool: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const a = poolArgs(x, ctx);
  if (a.dilations[0] !== 1 || a.dilations[1] !== 1) unsupported(ctx, 'dilations other than 1');
  const countIncludePad = attrInt(ctx.node, 'count_include_pad', 0) === 1;
  const [hb, wb, he, we] = a.pads as [number, number, number, number];
  const symmetric = hb === he && wb === we && 2 * hb <= a.kernel[0] && 2 * wb <= a.kernel[1];
  const o = { stride: a.strides, ceilMode: a.ceilMode, countIncludePad: true };
  if (symmetric) return [avgPool2d(x, a.kernel, { ...o, padding: [hb, wb], countIncludePad })];
  const widths = [wb, we, hb, he];
  const inHW = x.shape.slice(2);
  const withPad = dropPadWindows(avgPool2d(pad(x, widths, 'constant', 0), a.kernel, { ...o, padding: 0 }), inHW, a);
  if (countIncludePad) return [withPad];
  const mask = pad(onesLike(slice(slice(x, 0, 0, 1), 1, 0, 1)), widths, 'constant', 0);
  return [div(withPad, dropPadWindows(avgPool2d(mask, a.kernel, { ...o, padding: 0 }), inHW, a))];
};

const GlobalAveragePool: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  return [mean(x, Array.from({ length: x.rank - 2 }, (_, i) => i + 2), true)];
};

const GlobalMaxPool: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  return [amax(x, Array.from({ length: x.rank - 2 }, (_, i) => i + 2), true)];
};

export const poolKernels = { MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool };
