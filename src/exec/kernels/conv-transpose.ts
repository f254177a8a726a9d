import { add, callAten, pad, reshape } from '../../tensor/index.js';
import { attrInt, attrInts, attrString } from '../../graph/index.js';
import type { Kernel, KernelContext } from '../kernel.js';
import { torchPadWidths } from './conv.js';
import { invalid, need, unsupported } from './util.js';

/**
 * Begin and end pads per spatial dim of a transposed convolution. `full` is the output size with no padding and no
 * output_padding, (in - 1) * stride + (kernel - 1) * dilation + 1. Given output_shape (or auto_pad SAME_*, which
 * asks for in * stride), the total padding full + output_padding - out is split as the ONNX spec says: SAME_UPPER
 * puts the odd pixel at the end, SAME_LOWER at the beginning, and NOTSET with output_shape at the end. A negative
 * total (output_shape larger than the full output) becomes a negative end pad: zero rows that receive only the bias.
 */
function transposePads(ctx: KernelContext, inDims: readonly number[], full: readonly number[], outPad: readonly number[], strides: readonly number[]): { begin: number[]; end: number[] } {
  const n = inDims.length;
  const auto = attrString(ctx.node, 'auto_pad', 'NOTSET');
  let outShape = attrInts(ctx.node, 'output_shape', []);
  if (outShape.length > n) outShape = outShape.slice(-n);
  if (outShape.length === 0 && (auto === 'SAME_UPPER' || auto === 'SAME_LOWER')) outShape = inDims.map((d, i) => d * strides[i]!);
  if (outShape.length === n) {
    const begin: number[] = [];
    const end: number[] = [];
    for (let d = 0; d < n; d++) {
      const total = full[d]! + outPad[d]! - outShape[d]!;
      const small = Math.floor(Math.max(total, 0) / 2);
      const b = auto === 'SAME_LOWER' ? Math.max(total, 0) - small : small;
      begin.push(b);
      end.push(total - b);
    }
    return { begin, end };
  }
  if (outShape.length !== 0) invalid(ctx, `output_shape [${outShape.join(', ')}] must give the ${n} spatial dims`);
  if (auto === 'VALID') return { begin: new Array<number>(n).fill(0), end: new Array<number>(n).fill(0) };
  const p = attrInts(ctx.node, 'pads', new Array<number>(2 * n).fill(0));
  if (p.length !== 2 * n) unsupported(ctx, `pads of length ${p.length} for ${n} spatial dims`);
  return { begin: p.slice(0, n), end: p.slice(n) };
}

/**
 * ConvTranspose of any spatial rank (1-D to 3-D): weight [C_in, C_out / group, k...]. Symmetric pads with a small
 * output_padding go to libtorch's transposed convolution as they are; anything else (asymmetric pads, output_shape,
 * auto_pad) runs it unpadded and then crops or zero-extends the result to the ONNX output window, adding the bias last.
 */
const ConvTranspose: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const w = need(inputs, 1, ctx);
  const b = inputs[2] ?? null;
  const n = x.rank - 2;
  if (n < 1 || n > 3) unsupported(ctx, `a transposed convolution of input rank ${x.rank} (1-D to 3-D)`);
  const ws = w.shape;
  const kernel = attrInts(ctx.node, 'kernel_shape', ws.slice(2));
  if (kernel.length !== n || kernel.some((k, i) => k !== ws[i + 2])) invalid(ctx, `kernel_shape [${kernel.join(', ')}] does not match the weight's [${ws.slice(2).join(', ')}]`);
  const one = new Array<number>(n).fill(1);
  const zero = new Array<number>(n).fill(0);
  const strides = [...attrInts(ctx.node, 'strides', one)];
  const dil = [...attrInts(ctx.node, 'dilations', one)];
  const outPad = [...attrInts(ctx.node, 'output_padding', zero)];
  const group = attrInt(ctx.node, 'group', 1);
  const inDims = x.shape.slice(2);
  const full = inDims.map((d, i) => (d - 1) * strides[i]! + (kernel[i]! - 1) * dil[i]! + 1);
  const { begin, end } = transposePads(ctx, inDims, full, outPad, strides);
  const torchOk = begin.every((bg, d) => bg === end[d] && bg >= 0 && outPad[d]! < Math.max(strides[d]!, dil[d]!));
  if (torchOk) return [callAten('convolution', '', x, w, b, strides, begin, dil, true, outPad, group)];
  const y = callAten('convolution', '', x, w, null, strides, zero, dil, true, zero, group);
  // Output window [begin, full + outPad - end) of the unpadded result; pad() crops where its widths are negative.
  const cut = pad(y, torchPadWidths([...begin.map((v) => -v), ...end.map((v, d) => outPad[d]! - v)]), 'constant', 0);
  return [b ? add(cut, reshape(b, [1, -1, ...one])) : cut];
};

export const convTransposeKernels = { ConvTranspose };
