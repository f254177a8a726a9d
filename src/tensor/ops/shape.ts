import type { Tensor } from '../tensor.js';
import { call, callMany } from './call.js';

export const reshape = (a: Tensor, shape: readonly number[]): Tensor => call('reshape', '', a, shape);
export const flatten = (a: Tensor, startDim = 1, endDim = -1): Tensor => call('flatten', 'using_ints', a, startDim, endDim);
export const transpose = (a: Tensor, d0: number, d1: number): Tensor => call('transpose', 'int', a, d0, d1);
export const permute = (a: Tensor, dims: readonly number[]): Tensor => call('permute', '', a, dims);
export const flip = (a: Tensor, dims: readonly number[]): Tensor => call('flip', '', a, dims);
export const unsqueeze = (a: Tensor, dim: number): Tensor => call('unsqueeze', '', a, dim);
export const squeeze = (a: Tensor, dim: number): Tensor => call('squeeze', 'dim', a, dim);
export const expand = (a: Tensor, shape: readonly number[]): Tensor => call('expand', '', a, shape);
export const cat = (ts: readonly Tensor[], dim = 0): Tensor => call('cat', '', ts, dim);
export const stack = (ts: readonly Tensor[], dim = 0): Tensor => call('stack', '', ts, dim);
/** Splits into chunks of `size` along dim, or into the given sizes. */
export const split = (a: Tensor, size: number | readonly number[], dim = 0): Tensor[] =>
  typeof size === 'number' ? callMany('split', 'Tensor', a, size, dim) : callMany('split_with_sizes', '', a, size, dim);
/** Picks the entries at `indices` (int64) along dim: the basis of channel surgery. */
export const indexSelect = (a: Tensor, dim: number, indices: Tensor): Tensor => call('index_select', '', a, dim, indices);
/** Entries start..end (exclusive, negative from the end) with a step, along dim; a view. */
export const slice = (a: Tensor, dim: number, start: number | null, end: number | null, step = 1): Tensor => call('slice', 'Tensor', a, dim, start, end, step);
export const narrow = (a: Tensor, dim: number, start: number, length: number): Tensor => call('narrow', '', a, dim, start, length);
export const gather = (a: Tensor, dim: number, index: Tensor): Tensor => call('gather', '', a, dim, index, false);
/** Pads the last dims: [left, right, top, bottom, ...] as in torch.nn.functional.pad. */
export const pad = (a: Tensor, widths: readonly number[], mode: 'constant' | 'reflect' | 'replicate' = 'constant', value = 0): Tensor =>
  call('pad', '', a, widths, mode, mode === 'constant' ? value : null);
export const contiguous = (a: Tensor, format: 'contiguous' | 'channels_last' = 'contiguous'): Tensor => call('contiguous', '', a, format);
/**
 * A copy; with a memory format, laid out in it. Unlike contiguous, which keeps a tensor that is already contiguous
 * in the format, the copy's strides are the format's even where dims of size 1 make both layouts contiguous (a
 * [64, 16, 1, 1] or [16, 1, 3, 3] conv weight): libtorch picks a conv's output layout from its operands' strides,
 * so only such a copy makes a 1x1 or depthwise conv, or one on grey images, compute channels last.
 */
export const clone = (a: Tensor, format: 'contiguous' | 'channels_last' | null = null): Tensor => call('clone', '', a, format);
/** A tensor sharing storage but cut from the autograd graph. */
export const detach = (a: Tensor): Tensor => call('detach', '', a);
/** Moves or copies to a device ('cpu', 'cuda', 'cuda:1'). */
export const toDevice = (a: Tensor, device: string): Tensor => call('to', 'device', a, device, a.dtype, false, false, null);
