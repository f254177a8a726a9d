import { abs, add, callAten, div, lt, mul, permute, reshape, where, type Tensor } from '../../tensor/index.js';
import { attrFloat, attrInt, attrString } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { invalid, need } from './util.js';

const aten = (name: string, ...args: (number | null)[]): Kernel => (inputs, ctx) => [callAten(name, '', need(inputs, 0, ctx), ...args)];

/** PRelu: x where x >= 0, slope * x elsewhere; the slope broadcasts to x (a per-channel [C, 1, 1] included). */
const PRelu: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  return [where(lt(x, 0), mul(x, need(inputs, 1, ctx)), x)];
};

/** IsInf: true at +inf (detect_positive) and -inf (detect_negative). */
const IsInf: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const pos = attrInt(ctx.node, 'detect_positive', 1) === 1;
  const neg = attrInt(ctx.node, 'detect_negative', 1) === 1;
  if (pos && neg) return [callAten('isinf', '', x)];
  if (pos || neg) return [callAten(pos ? 'isposinf' : 'isneginf', '', x)];
  return [callAten('zeros_like', '', x, 'bool', null, null, null, null)];
};

/**
 * DepthToSpace: moves blocks of channels into b x b spatial blocks; DCR reads the depth as (block row, block column,
 * channel), CRD as (channel, block row, block column).
 */
const DepthToSpace: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const b = attrInt(ctx.node, 'blocksize', 0);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (x.rank !== 4 || b < 1 || c % (b * b) !== 0) invalid(ctx, `blocksize ${b} for input [${x.shape.join(', ')}]`);
  const crd = attrString(ctx.node, 'mode', 'DCR') === 'CRD';
  const split = crd ? reshape(x, [n, c / (b * b), b, b, h, w]) : reshape(x, [n, b, b, c / (b * b), h, w]);
  const moved = permute(split, crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2]);
  return [reshape(moved, [n, c / (b * b), h * b, w * b])];
};

/** SpaceToDepth: b x b spatial blocks into channels, (block row, block column, channel) order. */
const SpaceToDepth: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const b = attrInt(ctx.node, 'blocksize', 0);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (x.rank !== 4 || b < 1 || h % b !== 0 || w % b !== 0) invalid(ctx, `blocksize ${b} for input [${x.shape.join(', ')}]`);
  const moved = permute(reshape(x, [n, c, h / b, b, w / b, b]), [0, 3, 5, 1, 2, 4]);
  return [reshape(moved, [n, c * b * b, h / b, w / b])];
};

const softsign = (x: Tensor): Tensor => div(x, add(abs(x), 1));

/** Elementwise ops older CNN and detector exports use (activations, rounding, trigonometry, NaN/inf tests). */
export const unaryExtraKernels: Record<string, Kernel> = {
  Floor: aten('floor'),
  Ceil: aten('ceil'),
  Round: aten('round'),
  Sin: aten('sin'),
  Cos: aten('cos'),
  IsNaN: aten('isnan'),
  IsInf,
  Softsign: (inputs, ctx) => [softsign(need(inputs, 0, ctx))],
  Elu: (inputs, ctx) => [callAten('elu', '', need(inputs, 0, ctx), attrFloat(ctx.node, 'alpha', 1), 1, 1)],
  Selu: (inputs, ctx) => [callAten('elu', '', need(inputs, 0, ctx), attrFloat(ctx.node, 'alpha', 1.67326319217681884765625), attrFloat(ctx.node, 'gamma', 1.05070102214813232421875), 1)],
  Celu: (inputs, ctx) => [callAten('celu', '', need(inputs, 0, ctx), attrFloat(ctx.node, 'alpha', 1))],
  ThresholdedRelu: (inputs, ctx) => [callAten('threshold', '', need(inputs, 0, ctx), attrFloat(ctx.node, 'alpha', 1), 0)],
  PRelu,
  DepthToSpace,
  SpaceToDepth,
};
