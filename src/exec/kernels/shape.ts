import { cat, dropout, flatten, permute, reshape, mean, tensor, clone, type Tensor } from '../../tensor/index.js';
import { attrFloat, attrInt, attrInts, attrTensor } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { axis, intsOf, need, unsupported } from './util.js';

/** Flatten to 2-D at `axis`: [prod(dims before), prod(dims from)]. */
const Flatten: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const a = axis(attrInt(ctx.node, 'axis', 1), x.rank);
  if (a === 0) return [reshape(x, [1, -1])];
  return [a === 1 ? flatten(x, 1) : reshape(x, [x.shape.slice(0, a).reduce((p, d) => p * d, 1), -1])];
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

/** Dropout: ratio from the input (opset 12+) or the attribute; only active when training. */
const Dropout: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  if (ctx.node.outputs[1]) unsupported(ctx, 'the mask output');
  const ratio = inputs[1] ? inputs[1].item() : attrFloat(ctx.node, 'ratio', 0.5);
  const training = inputs[2] ? inputs[2].item() !== 0 : ctx.training;
  return [training && ratio > 0 ? dropout(x, ratio, true) : clone(x)];
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

/** Mean over `axes` (attribute before opset 18, input from 18; all axes when absent unless noop_with_empty_axes). */
const ReduceMean: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const keep = attrInt(ctx.node, 'keepdims', 1) === 1;
  const given = ctx.opset >= 18 ? (inputs[1] ? intsOf(inputs[1]) : []) : [...attrInts(ctx.node, 'axes', [])];
  if (given.length === 0 && attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1) return [clone(x)];
  const axes = given.length ? given.map((a) => axis(a, x.rank)) : Array.from({ length: x.rank }, (_, i) => i);
  return [mean(x, axes, keep)];
};

export const shapeKernels = { Flatten, Reshape, Transpose, Concat, Identity, Dropout, Constant, ReduceMean };
