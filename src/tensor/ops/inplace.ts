import type { Tensor } from '../tensor.js';
import { inplace } from './call.js';

// In-place updates for optimizer math (run them under noGrad). Each returns its first argument.
export const addInto = (t: Tensor, other: Tensor, alpha = 1): Tensor => inplace('add_', 'Tensor', t, other, alpha);
export const mulInto = (t: Tensor, s: number): Tensor => inplace('mul_', 'Scalar', t, s);
/** t += value * a * b */
export const addcmulInto = (t: Tensor, a: Tensor, b: Tensor, value = 1): Tensor => inplace('addcmul_', '', t, a, b, value);
/** t += value * a / b */
export const addcdivInto = (t: Tensor, a: Tensor, b: Tensor, value = 1): Tensor => inplace('addcdiv_', '', t, a, b, value);
/** t += w * (end - t) */
export const lerpInto = (t: Tensor, end: Tensor, w: number): Tensor => inplace('lerp_', 'Scalar', t, end, w);
export const copyInto = (t: Tensor, src: Tensor): Tensor => inplace('copy_', '', t, src, false);
export const zeroInto = (t: Tensor): Tensor => inplace('zero_', '', t);
export const fillInto = (t: Tensor, v: number): Tensor => inplace('fill_', 'Scalar', t, v);
export const normalInto = (t: Tensor, mean = 0, std = 1): Tensor => inplace('normal_', '', t, mean, std, null);
export const uniformInto = (t: Tensor, from = 0, to = 1): Tensor => inplace('uniform_', '', t, from, to, null);
/** t += s */
export const addScalarInto = (t: Tensor, s: number): Tensor => inplace('add_', 'Scalar', t, s, 1);
