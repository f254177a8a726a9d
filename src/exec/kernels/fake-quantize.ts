import { abs, amax, cast, div, fakeQuantizePerChannel, fakeQuantizePerTensor, full, noGrad, tensor, where, eq, type Tensor } from '../../tensor/index.js';
import { attrFloat, attrInt } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { need } from './util.js';

/** The domain of the training-only nodes that simulate int8 (quantization-aware training); never written to a file. */
export const FAKE_QUANTIZE_DOMAIN = 'whittle.qat';

// int8 kernels compute in float32: a value in another precision (bf16 autocast) is quantized from its float32 copy
const float32 = (x: Tensor): Tensor => (x.dtype === 'float32' ? x : cast(x, 'float32'));

/**
 * FakeQuantizePerTensor (domain whittle.qat): an activation quantized and dequantized at a frozen scale and zero
 * point (attributes scale, zero_point, qmin, qmax), as QuantizeLinear → DequantizeLinear computes it; gradients
 * straight through inside the range.
 */
const FakeQuantizePerTensor: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const n = ctx.node;
  return [fakeQuantizePerTensor(float32(x), attrFloat(n, 'scale', 1), attrInt(n, 'zero_point', 0), attrInt(n, 'qmin', 0), attrInt(n, 'qmax', 255))];
};

/**
 * FakeQuantizePerChannel (domain whittle.qat): a weight quantized symmetrically per slice along `axis` as the int8
 * file stores it (scale max|w_c| / 127, a slice of zeros scale 1, values in [-127, 127]), the scales taken from the
 * current weight at every pass; gradients straight through to the weight.
 */
const FakeQuantizePerChannel: Kernel = (inputs, ctx) => {
  const w = float32(need(inputs, 0, ctx));
  const axis = attrInt(ctx.node, 'axis', 0);
  const qmax = attrInt(ctx.node, 'qmax', 127);
  const { scale, zeros } = noGrad(() => {
    const dims = Array.from({ length: w.rank }, (_, i) => i).filter((i) => i !== axis);
    const m = dims.length ? amax(abs(w), dims) : abs(w);
    const s = div(m, qmax);
    return { scale: where(eq(m, 0), full([], 1), s), zeros: tensor(new Int32Array(w.shape[axis]!), [w.shape[axis]!], 'int32') };
  });
  return [fakeQuantizePerChannel(w, scale, zeros, axis, -qmax, qmax)];
};

export const fakeQuantizeKernels: Record<string, Kernel> = { FakeQuantizePerTensor, FakeQuantizePerChannel };
