import { add, callAten, cast, clone, indexSelect, lt, mul, reshape, sum, tensor, where, type Tensor } from '../../tensor/index.js';
import { attrInt, attrString } from '../../graph/index.js';
import type { Kernel, KernelContext } from '../kernel.js';
import { checkedAxis, invalid, need, prod } from './util.js';
import { onDeviceOf } from './device.js';

/** Indices as int64 with negative ones counted from the end of a dim of size `dim` (a tensor of sizes for several). */
function wrapIndices(idx: Tensor, dim: number | Tensor): Tensor {
  const i = idx.dtype === 'int64' ? idx : cast(idx, 'int64');
  return where(lt(i, 0), add(i, dim), i);
}

/** GatherElements: out[i][j] = data[index[i][j]][j] along `axis`; libtorch's gather. */
const GatherElements: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const a = checkedAxis(attrInt(ctx.node, 'axis', 0), x.rank, ctx);
  return [callAten('gather', '', x, a, wrapIndices(need(inputs, 1, ctx), x.shape[a]!), false)];
};

/**
 * The last-axis tuples of an ND index tensor [..., k] as flat row indices into data viewed as [B * prod(d[:k]), rest]
 * (B the product of the `batch` leading dims, which both share). Returns the flat indices and the rows view.
 */
function flatRows(data: Tensor, indices: Tensor, batch: number, ctx: KernelContext): { rows: Tensor; flat: Tensor; k: number } {
  const ds = data.shape;
  const is = indices.shape;
  const k = is[is.length - 1]!;
  if (k > ds.length - batch) invalid(ctx, `index tuples of length ${k} exceed the ${ds.length - batch} indexed dims`);
  const dims = ds.slice(batch, batch + k);
  const strides = dims.map((_, j) => prod(dims.slice(j + 1)));
  const idx = wrapIndices(indices, onDeviceOf(tensor(dims, [k], 'int64'), indices));
  let flat = sum(mul(idx, onDeviceOf(tensor(strides, [k], 'int64'), indices)), -1);
  const b = prod(ds.slice(0, batch));
  const per = prod(is.slice(batch, -1));
  if (batch > 0) flat = add(reshape(flat, [b, per]), reshape(onDeviceOf(tensor(Array.from({ length: b }, (_, i) => i * prod(dims)), [b], 'int64'), indices), [b, 1]));
  return { rows: reshape(data, [b * prod(dims), ...ds.slice(batch + k)]), flat: reshape(flat, [-1]), k };
}

/** GatherND with batch_dims: picks slices of data by index tuples (one index_select over flattened rows). */
const GatherND: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const idx = need(inputs, 1, ctx);
  const batch = attrInt(ctx.node, 'batch_dims', 0);
  const { rows, flat, k } = flatRows(x, idx, batch, ctx);
  return [reshape(indexSelect(rows, 0, flat), [...idx.shape.slice(0, -1), ...x.shape.slice(batch + k)])];
};

const REDUCE: Readonly<Record<string, string>> = { mul: 'prod', max: 'amax', min: 'amin' };

/** ScatterND: writes (or adds, multiplies, maxes, mins) update slices at index tuples of a copy of data. */
const ScatterND: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const upd = need(inputs, 2, ctx);
  const reduction = attrString(ctx.node, 'reduction', 'none');
  const { rows, flat } = flatRows(x, need(inputs, 1, ctx), 0, ctx);
  const src = reshape(upd, [flat.shape[0]!, ...rows.shape.slice(1)]);
  let y: Tensor;
  if (reduction === 'none') y = callAten('index_copy', '', rows, 0, flat, src);
  else if (reduction === 'add') y = callAten('index_add', '', rows, 0, flat, src, 1);
  else if (REDUCE[reduction]) y = callAten('index_reduce', '', rows, 0, flat, src, REDUCE[reduction], true);
  else invalid(ctx, `reduction '${reduction}' is not none, add, mul, max or min`);
  return [reshape(y, x.shape)];
};

/** ScatterElements (and opset-9 Scatter): libtorch's scatter / scatter_reduce along `axis` on a copy of data. */
const ScatterElements: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const a = checkedAxis(attrInt(ctx.node, 'axis', 0), x.rank, ctx);
  const idx = wrapIndices(need(inputs, 1, ctx), x.shape[a]!);
  const upd = need(inputs, 2, ctx);
  const reduction = attrString(ctx.node, 'reduction', 'none');
  if (idx.numel === 0) return [clone(x)];
  if (reduction === 'none') return [callAten('scatter', 'src', x, a, idx, upd)];
  const r = reduction === 'add' ? 'sum' : REDUCE[reduction] ?? invalid(ctx, `reduction '${reduction}' is not none, add, mul, max or min`);
  return [callAten('scatter_reduce', 'two', x, a, idx, upd, r, true)];
};

export const scatterKernels: Record<string, Kernel> = { GatherElements, GatherND, ScatterND, ScatterElements, Scatter: ScatterElements };
