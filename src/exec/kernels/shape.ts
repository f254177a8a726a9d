import { callAten, cat, clone, div, dropout, full, isFloating, mul, narrow, permute, rand, reshape, tensor, type Tensor } from '../../tensor/index.js';
import { attrFloat, attrInt, attrInts, attrTensor } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { axis, intsOf, invalid, need, prod, unsupported } from './util.js';

const ge = (a: Tensor, b: number): Tensor => callAten('ge', 'Scalar', a, b);

/** Flatten to 2-D at `axis`: [prod(dims before), prod(dims from)]. */
const Flatten: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const a = axis(attrInt(ctx.node, 'axis', 1), x.rank);
  if (a < 0 || a > x.rank) invalid(ctx, `axis ${a} is out of range for rank ${x.rank}`);
  return [reshape(x, [prod(x.shape.slice(0, a)), prod(x.shape.slice(a))])];
};

/** 0 copies the input's dim (unless allowzero), -1 is inferred. */
const Reshape: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const target = intsOf(need(inputs, 1, ctx));
  const allowZero = attrInt(ctx.node, 'allowzero', 0) === 1;
  const shape = x.shape;
  return [reshape(x, target.map((d, i) => (d === 0 && !allowZero ? shape[i]! : d)))];
};

const Transpose: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const perm = attrInts(ctx.node, 'perm', Array.from({ length: x.rank }, (_, i) => x.rank - 1 - i));
  return [permute(x, perm)];
};

const Concat: Kernel = (inputs, ctx) => {
  const xs = inputs.filter((t): t is Tensor => t !== null);
  return [cat(xs, axis(attrInt(ctx.node, 'axis', 0), xs[0]!.rank))];
};

// Outputs must be fresh tensors (the executor disposes values independently), hence the clone.
const Identity: Kernel = (inputs, ctx) => [clone(need(inputs, 0, ctx))];

/**
 * Dropout: ratio from the input (opset 12+) or the attribute; training from the training_mode input (opset 12+) or
 * the executor. Only active when training. The optional mask output is true where an element was kept. In the
 * trainer's passes (ctx.batchRows) the mask is drawn for the whole global batch and this pass keeps its rows, so a
 * row is dropped alike by one process and by the rank of a data-parallel group that trains it.
 */
const Dropout: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const ratio = inputs[1] ? inputs[1].item() : attrFloat(ctx.node, 'ratio', 0.5);
  const training = inputs[2] ? inputs[2].item() !== 0 : ctx.training;
  const active = training && ratio > 0;
  const rows = ctx.batchRows;
  if (!ctx.node.outputs[1] && !(active && rows)) return [active ? dropout(x, ratio, true) : clone(x)];
  if (!active) return [clone(x), full(x.shape, 1, { dtype: 'bool' })];
  // batch-first values only: another layout (e.g. a time-major sequence) draws its own mask
  const mask = rows && x.shape[0] === rows.rows
    ? ge(narrow(rand([rows.total, ...x.shape.slice(1)], { dtype: 'float32' }), 0, rows.start, rows.rows), ratio)
    : ge(rand(x.shape, { dtype: isFloating(x.dtype) ? x.dtype : 'float32' }), ratio);
  const y = div(mul(x, mask), 1 - ratio);
  return ctx.node.outputs[1] ? [y, mask] : [y];
};

const Constant: Kernel = (_inputs, ctx) => {
  const t = attrTensor(ctx.node, 'value');
  if (t) return [tensor(t.data, t.shape, t.dtype)];
  const a = ctx.node.attrs;
  if (a['value_float']?.kind === 'float') return [tensor([a['value_float'].value], [], 'float32')];
  if (a['value_floats']?.kind === 'floats') return [tensor([...a['value_floats'].value], [a['value_floats'].value.length], 'float32')];
  if (a['value_int']?.kind === 'int') return [tensor([a['value_int'].value], [], 'int64')];
  if (a['value_ints']?.kind === 'ints') return [tensor([...a['value_ints'].value], [a['value_ints'].value.length], 'int64')];
  return unsupported(ctx, 'a Constant without a tensor, float(s) or int(s) value');
};

export const shapeKernels = { Flatten, Reshape, Transpose, Concat, Identity, Dropout, Constant };
