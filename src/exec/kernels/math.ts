import { abs, callAten, cast, eq, erf, exp, gt, log, lt, neg, pow, sqrt, where, type Tensor } from '../../tensor/index.js';
import type { Kernel } from '../kernel.js';
import { need } from './util.js';

const unary = (f: (a: Tensor) => Tensor): Kernel => (inputs, ctx) => [f(need(inputs, 0, ctx))];
const binary = (f: (a: Tensor, b: Tensor) => Tensor): Kernel => (inputs, ctx) => [f(need(inputs, 0, ctx), need(inputs, 1, ctx))];

/** Pow: the result has the base's type (an int64 base with a float exponent stays int64, truncated). */
const Pow: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const y = pow(x, need(inputs, 1, ctx));
  return [y.dtype === x.dtype ? y : cast(y, x.dtype)];
};

/** Where: picks x where the condition holds, else y, broadcasting all three. */
const Where: Kernel = (inputs, ctx) => {
  const c = need(inputs, 0, ctx);
  return [where(c.dtype === 'bool' ? c : cast(c, 'bool'), need(inputs, 1, ctx), need(inputs, 2, ctx))];
};

export const mathKernels: Record<string, Kernel> = {
  Pow,
  Sqrt: unary(sqrt),
  Erf: unary(erf),
  Exp: unary(exp),
  Log: unary(log),
  Neg: unary(neg),
  Abs: unary(abs),
  Reciprocal: unary((a) => callAten('reciprocal', '', a)),
  Equal: binary(eq),
  Less: binary(lt),
  Greater: binary(gt),
  Where,
};
