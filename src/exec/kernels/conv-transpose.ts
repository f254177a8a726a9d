import { add, callAten, pad, reshape } from '../../tensor/index.js';
import { attrInt, attrInts, attrString } from '../../graph/index.js';
import type { Kernel, KernelContext } from '../kernel.js';
import { invalid, need, unsupported } from './util.js';

type Pads = { begin: number[]; end: number[] };

/**
 * Begin and end pads of a 2-D transposed convolution. `full` is the output size with no padding and no
 * output_padding, (in - 1) * stride + (kernel - 1) * dilation + 1. Given output_shape (or auto_pad SAME_*, which
 * asks for in * stride), the total padding full + output_padding - out is split as the ONNX spec says: SAME_UPPER
 * puts the odd pixel at the end, SAME_LOWER at the beginning, and NOTSET with output_shape at the end. A negative
 * total (output_shape larger than the full output) becomes a negative end pad: zero rows that receive only the bias.
 */
function transposePads(ctx: KernelContext, inHW: readonly number[], full: readonly number[], outPad: readonly number[], strides: readonly number[]): Pads {
  const auto = attrString(ctx.node, 'auto_pad', 'NOTSET');
  let outShape = attrInts(ctx.node, 'output_shape', []);
  if (outShape.length > 2) outShape = outShape.slice(-2);
  if (outShape.length === 0 && (auto === 'SAME_UPPER' || auto === 'SAME_LOWER')) outShape = [inHW[0]! * strides[0]!, inHW[1]! * strides[1]!];
  if (outShape.length === 2) {
    const begin: number[] = [];
    const end: number[] = [];
    for (let d = 0; d < 2; d++) {
      const total = full[d]! + outPad[d]! - outShape[d]!;
      const small = Math.floor(Math.max(total, 0) / 2);
      const b = auto === 'SAME_LOWER' ? Math.max(total, 0) - small : small;
      begin.push(b);
      end.push(total - b);
    }
    return { begin, end };
  }
  if (outShape.length !== 0) invalid(ctx, `output_shape [${outShape.join(', ')}] must give the 2 spatial dims`);
  if (auto === 'VALID') return { begin: [0, 0], end: [0, 0] };
  const p = attrInts(ctx.node, 'pads', [0, 0, 0, 0]);
  if (p.length !== 4) unsupported(ctx, `pads of length ${p.length}`);
  return { begin: [p[0]!, p[1]!], end: [p[2]!, p[3]!] };
}

/**
 * ConvTranspose, 2-D: weight [C_in, C_out / group, kH, kW]. Symmetric pads with a small output_padding go to
 * libtorch's conv_transpose2d as they are; anything else (asymmetric pads, output_shape, auto_pad) runs it unpadded
 * and then crops or zero-extends the result to the ONNX output window, adding the bias last.
 */
const ConvTranspose: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const w = need(inputs, 1, ctx);
  const b = inputs[2] ?? null;
  if (x.rank !== 4) unsupported(ctx, `a ${x.rank - 2}-D transposed convolution (only 2-D)`);
  const ws = w.shape;
  const kernel = attrInts(ctx.node, 'kernel_shape', ws.slice(2));
  if (kernel[0] !== ws[2] || kernel[1] !== ws[3]) invalid(ctx, `kernel_shape [${kernel.join(', ')}] does not match the weight's [${ws.slice(2).join(', ')}]`);
  const strides = attrInts(ctx.node, 'strides', [1, 1]);
  const dilations = attrInts(ctx.node, 'dilations', [1, 1]);
  const outPad = attrInts(ctx.node, 'output_padding', [0, 0]);
  const group = attrInt(ctx.node, 'group', 1);
  const inHW = x.shape.slice(2);
  const full = [0, 1].map((d) => (inHW[d]! - 1) * strides[d]! + (kernel[d]! - 1) * dilations[d]! + 1);
  const { begin, end } = transposePads(ctx, inHW, full, outPad, strides);
  const s = [strides[0]!, strides[1]!];
  const dil = [dilations[0]!, dilations[1]!];
  const torchOk = [0, 1].every((d) => begin[d] === end[d] && begin[d]! >= 0 && outPad[d]! < Math.max(s[d]!, dil[d]!));
  if (torchOk) return [callAten('conv_transpose2d', 'input', x, w, b, s, begin, [outPad[0]!, outPad[1]!], group, dil)];
  const y = callAten('conv_transpose2d', 'input', x, w, null, s, [0, 0], [0, 0], group, dil);
  // Output window [begin, full + outPad - end) of the unpadded result; pad() crops where its widths are negative.
  const widths = [-begin[1]!, outPad[1]! - end[1]!, -begin[0]!, outPad[0]! - end[0]!];
  const cut = pad(y, widths, 'constant', 0);
  return [b ? add(cut, reshape(b, [1, -1, 1, 1])) : cut];
};

export const convTransposeKernels = { ConvTranspose };
