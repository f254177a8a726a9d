import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import { call, callMany } from './call.js';

/** A tensor or a scalar, broadcast as in PyTorch. */
export type TensorLike = Tensor | number;
type Dims = number | readonly number[];

const bin = (name: string) => (a: Tensor, b: TensorLike): Tensor =>
  typeof b === 'number' ? call(name, 'Scalar', a, b) : call(name, 'Tensor', a, b);

/** a + alpha * b */
export const add = (a: Tensor, b: TensorLike, alpha = 1): Tensor => (typeof b === 'number' ? call('add', 'Scalar', a, b, alpha) : call('add', 'Tensor', a, b, alpha));
/** a - alpha * b */
export const sub = (a: Tensor, b: TensorLike, alpha = 1): Tensor => (typeof b === 'number' ? call('sub', 'Scalar', a, b, alpha) : call('sub', 'Tensor', a, b, alpha));
export const mul = bin('mul');
export const div = bin('div');
export const pow = (a: Tensor, e: TensorLike): Tensor => (typeof e === 'number' ? call('pow', 'Tensor_Scalar', a, e) : call('pow', 'Tensor_Tensor', a, e));
export const maximum = (a: Tensor, b: Tensor): Tensor => call('maximum', '', a, b);
export const minimum = (a: Tensor, b: Tensor): Tensor => call('minimum', '', a, b);
export const neg = (a: Tensor): Tensor => call('neg', '', a);
export const abs = (a: Tensor): Tensor => call('abs', '', a);
export const sqrt = (a: Tensor): Tensor => call('sqrt', '', a);
export const exp = (a: Tensor): Tensor => call('exp', '', a);
export const log = (a: Tensor): Tensor => call('log', '', a);
export const sign = (a: Tensor): Tensor => call('sign', '', a);
export const square = (a: Tensor): Tensor => call('square', '', a);
export const erf = (a: Tensor): Tensor => call('erf', '', a);
export const eq = (a: Tensor, b: TensorLike): Tensor => (typeof b === 'number' ? call('eq', 'Scalar', a, b) : call('eq', 'Tensor', a, b));
export const gt = (a: Tensor, b: TensorLike): Tensor => (typeof b === 'number' ? call('gt', 'Scalar', a, b) : call('gt', 'Tensor', a, b));
export const lt = (a: Tensor, b: TensorLike): Tensor => (typeof b === 'number' ? call('lt', 'Scalar', a, b) : call('lt', 'Tensor', a, b));
export const where = (cond: Tensor, a: Tensor, b: Tensor): Tensor => call('where', 'self', cond, a, b);
export const isfinite = (a: Tensor): Tensor => call('isfinite', '', a);
export const matmul = (a: Tensor, b: Tensor): Tensor => call('matmul', '', a, b);
/** beta * self + alpha * (m1 @ m2) */
export const addmm = (self: Tensor, m1: Tensor, m2: Tensor, beta = 1, alpha = 1): Tensor => call('addmm', '', self, m1, m2, beta, alpha);

const dimList = (d: Dims | undefined): number[] | null => (d === undefined ? null : typeof d === 'number' ? [d] : [...d]);

/** Sum over `dim` (all dims when omitted). */
export const sum = (a: Tensor, dim?: Dims, keepdim = false): Tensor => call('sum', 'dim_IntList', a, dimList(dim), keepdim);
export const mean = (a: Tensor, dim?: Dims, keepdim = false): Tensor => call('mean', 'dim', a, dimList(dim), keepdim);
/** The p-norm over `dim` (all elements when omitted). */
export const norm = (a: Tensor, p = 2, dim?: Dims, keepdim = false): Tensor => call('linalg_vector_norm', '', a, p, dimList(dim), keepdim);
/** Standard deviation with Bessel's correction unless `unbiased` is false. */
export const std = (a: Tensor, dim?: Dims, unbiased = true, keepdim = false): Tensor => call('std', 'correction', a, dimList(dim), unbiased ? 1 : 0, keepdim);
export const amax = (a: Tensor, dim: Dims, keepdim = false): Tensor => call('amax', '', a, dimList(dim), keepdim);
export const argmax = (a: Tensor, dim?: number, keepdim = false): Tensor => call('argmax', '', a, dim ?? null, keepdim);
/** The k largest (or smallest) values along `dim` and their indices. */
export function topk(a: Tensor, k: number, dim = -1, largest = true): { values: Tensor; indices: Tensor } {
  const [values, indices] = callMany('topk', '', a, k, dim, largest, true) as [Tensor, Tensor];
  return { values, indices };
}
export const cast = (a: Tensor, dtype: DType): Tensor => call('to', 'dtype', a, dtype, false, false, null);
