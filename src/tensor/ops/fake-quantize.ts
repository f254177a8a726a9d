import { call } from './call.js';
import type { Tensor } from '../tensor.js';

/**
 * libtorch's fake quantization of a whole tensor: round(x / scale) + zeroPoint clamped to [qmin, qmax], mapped back
 * to scale * (q - zeroPoint). Its gradient is straight-through (1 inside the range, 0 where it clamps).
 */
export const fakeQuantizePerTensor = (x: Tensor, scale: number, zeroPoint: number, qmin: number, qmax: number): Tensor =>
  call('fake_quantize_per_tensor_affine', '', x, scale, zeroPoint, qmin, qmax);

/**
 * The same per slice along `axis`: `scale` (float32) and `zeroPoint` (int32) hold one value per slice. The gradient
 * reaches `x` only, straight through.
 */
export const fakeQuantizePerChannel = (x: Tensor, scale: Tensor, zeroPoint: Tensor, axis: number, qmin: number, qmax: number): Tensor =>
  call('fake_quantize_per_channel_affine', '', x, scale, zeroPoint, axis, qmin, qmax);
