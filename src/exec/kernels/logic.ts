import { callAten, cast, isFloating, tensor, type Tensor } from '../../tensor/index.js';
import { attrInt, attrString } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { invalid, need } from './util.js';

const unary = (f: (a: Tensor) => Tensor): Kernel => (inputs, ctx) => [f(need(inputs, 0, ctx))];
const binary = (f: (a: Tensor, b: Tensor) => Tensor): Kernel => (inputs, ctx) => [f(need(inputs, 0, ctx), need(inputs, 1, ctx))];
const aten1 = (name: string, overload = ''): Kernel => unary((a) => callAten(name, overload, a));
const aten2 = (name: string, overload = 'Tensor'): Kernel => binary((a, b) => callAten(name, overload, a, b));

/**
 * Mod: fmod=1 is C's fmod (the result takes the dividend's sign), fmod=0 Python's % (the divisor's sign), which
 * ONNX allows only for integers. Integer division by zero is refused rather than left to crash the engine.
 */
const Mod: Kernel = (inputs, ctx) => {
  const a = need(inputs, 0, ctx);
  const b = need(inputs, 1, ctx);
  const fmod = attrInt(ctx.node, 'fmod', 0) === 1;
  if (!fmod && isFloating(a.dtype)) invalid(ctx, 'fmod=0 on a floating-point input (the spec asks for fmod=1)');
  if (!isFloating(b.dtype) && b.toArray().some((v) => v === 0)) invalid(ctx, 'integer division by zero');
  return [callAten(fmod ? 'fmod' : 'remainder', 'Tensor', a, b)];
};

/** Gelu (opset 20): approximate 'none' (erf) or 'tanh'. */
const Gelu: Kernel = (inputs, ctx) => {
  const approximate = attrString(ctx.node, 'approximate', 'none');
  if (approximate !== 'none' && approximate !== 'tanh') invalid(ctx, `approximate '${approximate}' is not 'none' or 'tanh'`);
  return [callAten('gelu', '', need(inputs, 0, ctx), approximate)];
};

/** Softplus log(1 + exp(x)): libtorch's, whose linear branch above 20 agrees to float precision. */
const Softplus: Kernel = unary((x) => callAten('softplus', '', x, 1, 20));

/** Size: the element count as an int64 scalar. */
const Size: Kernel = (inputs, ctx) => [tensor([need(inputs, 0, ctx).numel], [], 'int64')];

/** CastLike: casts the first input to the second's type. */
const CastLike: Kernel = (inputs, ctx) => [cast(need(inputs, 0, ctx), need(inputs, 1, ctx).dtype)];

export const logicKernels: Record<string, Kernel> = {
  Not: aten1('logical_not'),
  And: aten2('logical_and', ''),
  Or: aten2('logical_or', ''),
  Xor: aten2('logical_xor', ''),
  LessOrEqual: aten2('le'),
  GreaterOrEqual: aten2('ge'),
  Sign: aten1('sign'),
  Mish: aten1('mish'),
  Softplus,
  Gelu,
  Mod,
  Size,
  CastLike,
};
