import { add, callAten, cast, clip, div, mul, reshape, sub, type DType, type Tensor } from '../../tensor/index.js';
import { attrInt } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { need, unsupported } from './util.js';

/** The integer types QuantizeLinear writes here, and their ranges. */
const LIMITS: Readonly<Record<string, readonly [number, number]>> = { uint8: [0, 255], int8: [-128, 127] };

/** A scale or zero point: a scalar as is, one value per slice along `axis` of x shaped to broadcast against x. */
function alongAxis(p: Tensor, x: Tensor, axis: number): Tensor {
  if (p.rank === 0) return p;
  const a = axis < 0 ? axis + x.rank : axis;
  return reshape(p, x.shape.map((_, i) => (i === a ? p.shape[0]! : 1)));
}

/**
 * QuantizeLinear: round(x / scale) (half to even) + zero point, saturated to the zero point's type (else
 * output_dtype's, uint8 by default); scale and zero point per tensor, or per slice along `axis` (default 1).
 */
const QuantizeLinear: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const zp = inputs[2] ?? null;
  if (attrInt(ctx.node, 'block_size', 0) !== 0) unsupported(ctx, 'blocked quantization (block_size)');
  const dtype: DType | undefined = zp ? zp.dtype : ({ 2: 'uint8', 3: 'int8' } as const)[attrInt(ctx.node, 'output_dtype', 2) as 2 | 3];
  const range = (dtype && LIMITS[dtype]) ?? unsupported(ctx, `QuantizeLinear to ${dtype ?? 'an ONNX type other than uint8 or int8'} (uint8 and int8 are supported)`);
  const axis = attrInt(ctx.node, 'axis', 1);
  let q = callAten('round', '', div(cast(x, 'float32'), alongAxis(need(inputs, 1, ctx), x, axis)));
  if (zp) q = add(q, alongAxis(cast(zp, 'float32'), x, axis));
  return [cast(clip(q, range[0], range[1]), dtype!)];
};

/** DequantizeLinear: (x − zero point) · scale in float32, per tensor or per slice along `axis` (default 1). */
const DequantizeLinear: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  if (attrInt(ctx.node, 'block_size', 0) !== 0) unsupported(ctx, 'blocked quantization (block_size)');
  if (!['uint8', 'int8', 'int32'].includes(x.dtype)) unsupported(ctx, `DequantizeLinear of ${x.dtype} (uint8, int8 and int32 are supported)`);
  const zp = inputs[2] ?? null;
  const axis = attrInt(ctx.node, 'axis', 1);
  const v = zp ? sub(cast(x, 'float32'), alongAxis(cast(zp, 'float32'), x, axis)) : cast(x, 'float32');
  return [mul(v, alongAxis(need(inputs, 1, ctx), x, axis))];
};

export const quantizeLinearKernels: Record<string, Kernel> = { QuantizeLinear, DequantizeLinear };
