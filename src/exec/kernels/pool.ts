import { abs, add, amax, arange, callAten, callAtenMany, cast, div, isFloating, mean, mul, norm, onesLike, pad, pow, reshape, slice, sub, zerosLike, type Tensor } from '../../tensor/index.js';
import { attrInt, attrInts } from '../../graph/index.js';
import type { Kernel, KernelContext } from '../kernel.js';
import { torchPadWidths, windowPads } from './conv.js';
import { need, unsupported } from './util.js';
import { onDeviceOf } from './device.js';

type PoolArgs = { n: number; kernel: number[]; strides: number[]; dilations: number[]; pads: number[]; ceilMode: boolean };

function poolArgs(x: Tensor, ctx: KernelContext): PoolArgs {
  const n = x.rank - 2;
  if (n < 1 || n > 3) unsupported(ctx, `pooling of input rank ${x.rank} (1-D to 3-D)`);
  const kernel = [...attrInts(ctx.node, 'kernel_shape', [])];
  if (kernel.length !== n) unsupported(ctx, `kernel_shape [${kernel.join(', ')}] for ${n} spatial dims`);
  const one = new Array<number>(n).fill(1);
  const strides = [...attrInts(ctx.node, 'strides', one)];
  const dilations = [...attrInts(ctx.node, 'dilations', one)];
  return { n, kernel, strides, dilations, pads: windowPads(ctx, x.shape.slice(2), kernel, strides, dilations), ceilMode: attrInt(ctx.node, 'ceil_mode', 0) === 1 };
}

/** libtorch pools pad symmetrically and at most half the kernel. */
const fitsTorch = (a: PoolArgs): boolean => a.kernel.every((k, d) => a.pads[d] === a.pads[d + a.n] && 2 * a.pads[d]! <= k);

const maxPool = (x: Tensor, a: PoolArgs, padding: number[]): Tensor =>
  callAten(`max_pool${a.n}d`, '', x, a.kernel, a.strides, padding, a.dilations, a.ceilMode);

function avgPool(x: Tensor, a: PoolArgs, padding: number[], countIncludePad: boolean): Tensor {
  const extra = a.n === 1 ? [] : [null];
  return callAten(`avg_pool${a.n}d`, '', x, a.kernel, a.strides, padding, a.ceilMode, countIncludePad, ...extra);
}

/**
 * After pooling an explicitly padded input with ceil_mode, drops a last window that starts in the end padding: the
 * ONNX spec ignores such windows (as libtorch does with its own padding), but libtorch counts explicit padding as input.
 */
function dropPadWindows(y: Tensor, inDims: readonly number[], a: PoolArgs): Tensor {
  if (!a.ceilMode) return y;
  let out = y;
  for (let d = 0; d < a.n; d++) {
    const span = (a.kernel[d]! - 1) * a.dilations[d]! + 1;
    let n = Math.ceil((inDims[d]! + a.pads[d]! + a.pads[d + a.n]! - span) / a.strides[d]!) + 1;
    if ((n - 1) * a.strides[d]! >= inDims[d]! + a.pads[d]!) n--;
    if (n < out.shape[2 + d]!) out = slice(out, 2 + d, 0, n);
  }
  return out;
}

// Pads a pool cannot take are applied explicitly first (-inf for max). Integer inputs (uint8, int8) are pooled as
// float32, which holds them exactly.
const MaxPool: Kernel = (inputs, ctx) => {
  let x = need(inputs, 0, ctx);
  const a = poolArgs(x, ctx);
  if (ctx.node.outputs[1]) return maxPoolWithIndices(x, a, ctx);
  const dtype = x.dtype;
  if (!isFloating(dtype)) x = cast(x, 'float32');
  const fits = fitsTorch(a);
  const zero = new Array<number>(a.n).fill(0);
  let y = fits ? maxPool(x, a, a.pads.slice(0, a.n)) : maxPool(pad(x, torchPadWidths(a.pads), 'constant', -Infinity), a, zero);
  if (!fits) y = dropPadWindows(y, x.shape.slice(2), a);
  return [y.dtype === dtype ? y : cast(y, dtype)];
};

/**
 * MaxPool with its Indices output: libtorch's indices count within each (n, c) plane, ONNX's over the whole tensor,
 * row-major (storage_order 0) or column-major over the spatial dims (1). Only pads libtorch takes itself are
 * accepted, as indices into an explicitly padded input would not be the input's.
 */
function maxPoolWithIndices(x: Tensor, a: PoolArgs, ctx: KernelContext): Tensor[] {
  if (!fitsTorch(a) || !isFloating(x.dtype)) unsupported(ctx, 'the Indices output with asymmetric or over-half-kernel pads, or of an integer input');
  const [y, idx] = callAtenMany(`max_pool${a.n}d_with_indices`, '', x, a.kernel, a.strides, a.pads.slice(0, a.n), a.dilations, a.ceilMode) as [Tensor, Tensor];
  const dims = x.shape.slice(2);
  const plane = dims.reduce((p, d) => p * d, 1);
  let flat = idx;
  if (attrInt(ctx.node, 'storage_order', 0) === 1) {
    // Row-major position -> the same element's column-major position (spatial dims reversed).
    let rest = idx;
    flat = zerosLike(idx);
    let colStride = 1;
    for (let d = 0; d < a.n; d++) {
      const rowStride = dims.slice(d + 1).reduce((p, v) => p * v, 1);
      const coord = callAten('div', 'Scalar_mode', rest, rowStride, 'floor');
      rest = sub(rest, mul(coord, rowStride));
      flat = add(flat, mul(coord, colStride));
      colStride *= dims[d]!;
    }
  }
  const [n, c] = x.shape as [number, number];
  const offsets = reshape(onDeviceOf(arange(0, n * c * plane, plane, { dtype: 'int64' }), x), [n, c, ...dims.map(() => 1)]);
  return [y, add(flat, offsets)];
}

/**
 * Sum of a window pool with zero padding: libtorch's average (padding counted) times the window size, padded
 * explicitly first where libtorch cannot pad.
 */
function zeroPaddedPool(x: Tensor, a: PoolArgs): Tensor {
  if (fitsTorch(a)) return avgPool(x, a, a.pads.slice(0, a.n), true);
  return dropPadWindows(avgPool(pad(x, torchPadWidths(a.pads), 'constant', 0), a, new Array<number>(a.n).fill(0), true), x.shape.slice(2), a);
}

/**
 * AveragePool. Symmetric pads of at most half the kernel go to libtorch as they are. Otherwise the input is padded
 * with zeros explicitly; with count_include_pad=0 the result is then divided by the same pool of a mask (1 inside
 * the input, 0 in the padding), which turns the padded mean back into the mean over real pixels.
 */
const AveragePool: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const a = poolArgs(x, ctx);
  if (a.dilations.some((d) => d !== 1)) unsupported(ctx, 'dilations other than 1');
  const countIncludePad = attrInt(ctx.node, 'count_include_pad', 0) === 1;
  if (fitsTorch(a)) return [avgPool(x, a, a.pads.slice(0, a.n), countIncludePad)];
  const withPad = zeroPaddedPool(x, a);
  if (countIncludePad) return [withPad];
  const mask = onesLike(slice(slice(x, 0, 0, 1), 1, 0, 1));
  return [div(withPad, zeroPaddedPool(mask, a))];
};

/** The p of LpPool and GlobalLpPool: a float in opset 1, an int from opset 2; 2 by default. */
function lpOrder(ctx: KernelContext): number {
  const a = ctx.node.attrs['p'];
  return a?.kind === 'int' || a?.kind === 'float' ? a.value : 2;
}

/** LpPool: (sum over the window of |x|^p)^(1/p), zero padding contributing nothing. */
const LpPool: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const a = poolArgs(x, ctx);
  if (a.dilations.some((d) => d !== 1)) unsupported(ctx, 'dilations other than 1');
  const p = lpOrder(ctx);
  const size = a.kernel.reduce((s, k) => s * k, 1);
  return [pow(mul(zeroPaddedPool(pow(abs(x), p), a), size), 1 / p)];
};

const spatial = (x: Tensor): number[] => Array.from({ length: x.rank - 2 }, (_, i) => i + 2);

const GlobalAveragePool: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  return [mean(x, spatial(x), true)];
};

const GlobalMaxPool: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  return [amax(x, spatial(x), true)];
};

/** GlobalLpPool: the p-norm over all spatial dims. */
const GlobalLpPool: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const p = lpOrder(ctx);
  return [norm(x, p, spatial(x), true)];
};

export const poolKernels = { MaxPool, AveragePool, LpPool, GlobalAveragePool, GlobalMaxPool, GlobalLpPool };
