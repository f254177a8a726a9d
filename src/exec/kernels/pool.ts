import { avgPool2d, maxPool2d, mean, type Tensor } from '../../tensor/index.js';
import { attrInt, attrInts } from '../../graph/index.js';
import type { Kernel, KernelContext } from '../kernel.js';
import { splitPads, windowPads } from './conv.js';
import { need, unsupported } from './util.js';

function poolArgs(x: Tensor, ctx: KernelContext) {
  if (x.rank !== 4) unsupported(ctx, `${x.rank - 2}-D pooling (only 2-D)`);
  const kernel = attrInts(ctx.node, 'kernel_shape', []);
  if (kernel.length !== 2) unsupported(ctx, `kernel_shape [${kernel.join(', ')}]`);
  const strides = attrInts(ctx.node, 'strides', [1, 1]);
  const dilations = attrInts(ctx.node, 'dilations', [1, 1]);
  return { kernel: [kernel[0]!, kernel[1]!] as [number, number], strides: [strides[0]!, strides[1]!] as [number, number], dilations: [dilations[0]!, dilations[1]!] as [number, number], pads: windowPads(ctx, x.shape.slice(2), kernel, strides, dilations), ceilMode: attrInt(ctx.node, 'ceil_mode', 0) === 1 };
}

// Torch pools pad symmetrically and at most half the kernel: anything else is padded explicitly first
// (-inf for max, 0 for average, which then always counts the padding).
const MaxPool: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const a = poolArgs(x, ctx);
  if (inputs.length > 1 && ctx.node.outputs[1]) unsupported(ctx, 'the Indices output');
  const s = splitPads(x, a.pads, -Infinity);
  return [maxPool2d(s.x, a.kernel, { stride: a.strides, padding: s.padding, dilation: a.dilations, ceilMode: a.ceilMode })];
};

const AveragePool: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const a = poolArgs(x, ctx);
  const countIncludePad = attrInt(ctx.node, 'count_include_pad', 0) === 1;
  const [hb, wb, he, we] = a.pads as [number, number, number, number];
  const symmetric = hb === he && wb === we && 2 * hb <= a.kernel[0] && 2 * wb <= a.kernel[1];
  if (!symmetric && !countIncludePad && (hb || wb || he || we)) unsupported(ctx, 'asymmetric pads with count_include_pad=0');
  const s = symmetric ? { x, padding: [hb, wb] as [number, number] } : splitPads(x, a.pads, 0);
  return [avgPool2d(s.x, a.kernel, { stride: a.strides, padding: s.padding, ceilMode: a.ceilMode, countIncludePad })];
};

const GlobalAveragePool: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  return [mean(x, Array.from({ length: x.rank - 2 }, (_, i) => i + 2), true)];
};

export const poolKernels = { MaxPool, AveragePool, GlobalAveragePool };
