import type { Tensor } from '../tensor.js';
import { call } from './call.js';
import { slice } from './shape.js';

type Pair = number | readonly [number, number];
export type Conv2dOptions = { stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number };

const pair = (p: Pair | undefined, d: number): readonly [number, number] => (p === undefined ? [d, d] : typeof p === 'number' ? [p, p] : p);

/** 2-D convolution, NCHW (or channels-last) input, weight [out, in/groups, kh, kw]; groups = in for depthwise. */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null = null, o: Conv2dOptions = {}): Tensor {
  const stride = pair(o.stride, 1);
  const padding = pair(o.padding, 0);
  // libtorch 1.13 corrupts the heap in the backward of a channels-last 1x1 convolution with stride > 1 and fewer
  // than 8 (or not a multiple of 8) input channels, as pruned students have: PyTorch itself aborts on
  // Conv2d(5, 21, 1, stride=2) there. The same convolution is a 1x1 one with stride 1 on every stride-th pixel.
  if (w.shape[2] === 1 && w.shape[3] === 1 && (stride[0] > 1 || stride[1] > 1) && padding[0] === 0 && padding[1] === 0 && (x.shape[1] ?? 0) % 8 !== 0) {
    const sub = slice(slice(x, 2, 0, null, stride[0]), 3, 0, null, stride[1]);
    try {
      return call('conv2d', '', sub, w, b, 1, 0, 1, o.groups ?? 1);
    } finally {
      sub.dispose();
    }
  }
  return call('conv2d', '', x, w, b, stride, padding, o.dilation ?? 1, o.groups ?? 1);
}

export type BatchNormOptions = { training: boolean; momentum?: number; eps?: number };
/** Batch normalisation; in training it uses batch statistics and updates runningMean/runningVar in place. */
export const batchNorm = (x: Tensor, weight: Tensor | null, bias: Tensor | null, runningMean: Tensor | null, runningVar: Tensor | null, o: BatchNormOptions): Tensor =>
  call('batch_norm', '', x, weight, bias, runningMean, runningVar, o.training, o.momentum ?? 0.1, o.eps ?? 1e-5, true);

export const layerNorm = (x: Tensor, normalizedShape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor =>
  call('layer_norm', '', x, normalizedShape, weight, bias, eps, true);

/** x @ w.T + b, with w [out, in] as in torch.nn.Linear. */
export const linear = (x: Tensor, w: Tensor, b: Tensor | null = null): Tensor => call('linear', '', x, w, b);

export const relu = (x: Tensor): Tensor => call('relu', '', x);
export const relu6 = (x: Tensor): Tensor => call('hardtanh', '', x, 0, 6);
/** Clamps to [min, max] (min <= max); its gradient passes strictly inside the bounds, as PyTorch's ReLU6 and Hardtanh. */
export const hardtanh = (x: Tensor, min: number, max: number): Tensor => call('hardtanh', '', x, min, max);
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor => call('leaky_relu', '', x, slope);
/** Clamps to [min, max]; either bound may be null. */
export const clip = (x: Tensor, min: number | null, max: number | null): Tensor => call('clamp', '', x, min, max);
export const sigmoid = (x: Tensor): Tensor => call('sigmoid', '', x);
export const hardsigmoid = (x: Tensor): Tensor => call('hardsigmoid', '', x);
export const hardswish = (x: Tensor): Tensor => call('hardswish', '', x);
export const silu = (x: Tensor): Tensor => call('silu', '', x);
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => call('gelu', '', x, approximate);
export const tanh = (x: Tensor): Tensor => call('tanh', '', x);
export const softmax = (x: Tensor, dim = -1): Tensor => call('softmax', 'int', x, dim, null);
export const logSoftmax = (x: Tensor, dim = -1): Tensor => call('log_softmax', 'int', x, dim, null);
/** Zeroes each element with probability p while training (scaled by 1/(1-p)); the identity otherwise. */
export const dropout = (x: Tensor, p: number, training: boolean): Tensor => call('dropout', '', x, p, training);

export type Pool2dOptions = { stride?: Pair; padding?: Pair; dilation?: Pair; ceilMode?: boolean };
export const maxPool2d = (x: Tensor, kernel: Pair, o: Pool2dOptions = {}): Tensor =>
  call('max_pool2d', '', x, kernel, o.stride ?? kernel, o.padding ?? 0, o.dilation ?? 1, o.ceilMode ?? false);
export const avgPool2d = (x: Tensor, kernel: Pair, o: Pool2dOptions & { countIncludePad?: boolean } = {}): Tensor =>
  call('avg_pool2d', '', x, kernel, o.stride ?? kernel, o.padding ?? 0, o.ceilMode ?? false, o.countIncludePad ?? true, null);
export const adaptiveAvgPool2d = (x: Tensor, size: Pair): Tensor => call('adaptive_avg_pool2d', '', x, size);
/** Mean over H and W, keeping [N, C, 1, 1]. */
export const globalAvgPool = (x: Tensor): Tensor => call('mean', 'dim', x, [2, 3], true);
