import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { call } from './call.js';

/** Options shared by the factories: dtype (default float32, or int64 for randint) and device (default cpu). */
export type CreateOptions = { dtype?: DType; device?: string };

const opt = (o: CreateOptions, dtype: DType | null = null): [DType | null, null, string | null] => [o.dtype ?? dtype, null, o.device ?? null];

export const zeros = (shape: readonly number[], o: CreateOptions = {}): Tensor => call('zeros', '', shape, ...opt(o));
export const ones = (shape: readonly number[], o: CreateOptions = {}): Tensor => call('ones', '', shape, ...opt(o));
export const full = (shape: readonly number[], value: number, o: CreateOptions = {}): Tensor => call('full', '', shape, value, ...opt(o, 'float32'));
/** Standard normal samples, from the generator seeded by manualSeed. */
export const randn = (shape: readonly number[], o: CreateOptions = {}): Tensor => call('randn', '', shape, ...opt(o));
/** Uniform samples in [0, 1). */
export const rand = (shape: readonly number[], o: CreateOptions = {}): Tensor => call('rand', '', shape, ...opt(o));
/** Uniform integers in [0, high). */
export const randint = (high: number, shape: readonly number[], o: CreateOptions = {}): Tensor => call('randint', '', high, shape, ...opt(o, 'int64'));
/** A random permutation of 0..n-1 (int64). */
export const randperm = (n: number, o: CreateOptions = {}): Tensor => call('randperm', '', n, ...opt(o, 'int64'));
export const arange = (start: number, end: number, step = 1, o: CreateOptions = {}): Tensor => call('arange', 'start_step', start, end, step, ...opt(o));
export const zerosLike = (t: Tensor): Tensor => call('zeros_like', '', t);
export const onesLike = (t: Tensor): Tensor => call('ones_like', '', t);
export const emptyLike = (t: Tensor): Tensor => call('empty_like', '', t);
/** Uniform samples in [low, high) from the seeded generator (PyTorch's conv/linear init with ±1/sqrt(fan_in)). */
export const uniform = (shape: readonly number[], low: number, high: number, o: CreateOptions = {}): Tensor => {
  const t = call('empty', 'memory_format', shape, o.dtype ?? null, null, o.device ?? null, null, null);
  const r = call('uniform_', '', t, low, high, null);
  r.dispose();
  return t;
};
