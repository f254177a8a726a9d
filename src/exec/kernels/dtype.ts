import { cast, full, type DType } from '../../tensor/index.js';
import { attrInt, attrTensor } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { intsOf, need, unsupported } from './util.js';

/** ONNX TensorProto.DataType numbers of the dtypes the engine holds (Cast's `to`). */
const DTYPES: Readonly<Record<number, DType>> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64', 16: 'bfloat16',
};

/** Cast to the `to` type; float to integer truncates toward zero, anything non-zero to bool is true. */
const Cast: Kernel = (inputs, ctx) => {
  const to = attrInt(ctx.node, 'to', 0);
  const dtype = DTYPES[to] ?? unsupported(ctx, `a cast to ONNX data type ${to} (the engine holds float32/64/16, bfloat16, int64/32/16/8, uint8, bool)`);
  return [cast(need(inputs, 0, ctx), dtype)];
};

/** A tensor of the given shape filled with `value` (a one-element tensor attribute; float32 0 when absent). */
const ConstantOfShape: Kernel = (inputs, ctx) => {
  const shape = intsOf(need(inputs, 0, ctx));
  const v = attrTensor(ctx.node, 'value');
  if (!v) return [full(shape, 0, { dtype: 'float32' })];
  return [full(shape, Number(v.data[0] ?? 0), { dtype: v.dtype })];
};

export const dtypeKernels = { Cast, ConstantOfShape };
