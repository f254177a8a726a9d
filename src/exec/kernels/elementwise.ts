import {
  add, callAten, clip, clone, div, hardsigmoid, hardswish, hardtanh, isFloating, leakyRelu, logSoftmax, mul, relu, reshape, sigmoid, softmax, sub, tanh, type Tensor,
} from '../../tensor/index.js';
import { attrFloat, attrInt, type Node } from '../../graph/index.js';
import type { Kernel, KernelContext } from '../kernel.js';
import { axis, need } from './util.js';

const binary = (f: (a: Tensor, b: Tensor) => Tensor): Kernel => (inputs, ctx) => [f(need(inputs, 0, ctx), need(inputs, 1, ctx))];
const unary = (f: (a: Tensor) => Tensor): Kernel => (inputs, ctx) => [f(need(inputs, 0, ctx))];

// ONNX Div on integers truncates; aten's div is true division unless asked.
const Div: Kernel = (inputs, ctx) => {
  const a = need(inputs, 0, ctx);
  const b = need(inputs, 1, ctx);
  return [isFloating(a.dtype) ? div(a, b) : callAten('div', 'Tensor_mode', a, b, 'trunc')];
};

/**
 * A HardSigmoid node's alpha and beta (ONNX defaults 0.2 and 0.5), and whether they are PyTorch's hardsigmoid's: 1/6
 * (float32 in an export, so compared to within float32's precision) and 0.5.
 */
export function hardSigmoidAttrs(node: Node): { alpha: number; beta: number; torch: boolean } {
  const alpha = attrFloat(node, 'alpha', 0.2);
  const beta = attrFloat(node, 'beta', 0.5);
  return { alpha, beta, torch: Math.abs(alpha - 1 / 6) < 1e-7 && beta === 0.5 };
}

/**
 * min(max(alpha * x + beta, 0), 1): PyTorch's own hardsigmoid when the attributes are its (one kernel each way, and its
 * gradient), else an affine map and a hardtanh.
 */
const HardSigmoid: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const { alpha, beta, torch } = hardSigmoidAttrs(ctx.node);
  if (isFloating(x.dtype) && torch) return [hardsigmoid(x)];
  return [clamp(add(mul(x, alpha), beta), 0, 1)];
};

/**
 * Clamps a float tensor as PyTorch's modules that export as Clip do: both bounds (ReLU6, Hardtanh) by hardtanh, a
 * lower bound of 0 alone by relu; the same values as clamp, and a one-kernel backward where clamp's takes several
 * (a third of a MobileNet's training step went to it).
 */
function clamp(x: Tensor, lo: number | null, hi: number | null): Tensor {
  if (!isFloating(x.dtype)) return clip(x, lo, hi);
  if (lo !== null && hi !== null && lo <= hi) return hardtanh(x, lo, hi);
  if (lo === 0 && hi === null) return relu(x);
  return clip(x, lo, hi);
}

/** Bounds are attributes before opset 11 and optional scalar inputs from 11 on. */
const Clip: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  if (ctx.opset < 11) return [clamp(x, attrFloat(ctx.node, 'min', -3.4028234663852886e38), attrFloat(ctx.node, 'max', 3.4028234663852886e38))];
  const lo = inputs[1] ? inputs[1].item() : null;
  const hi = inputs[2] ? inputs[2].item() : null;
  return [lo === null && hi === null ? clone(x) : clamp(x, lo, hi)];
};

/** Before opset 13, Softmax and LogSoftmax act on the input flattened to 2-D at `axis` (default 1). */
function softmaxLike(f: (x: Tensor, dim: number) => Tensor): Kernel {
  return (inputs, ctx: KernelContext) => {
    const x = need(inputs, 0, ctx);
    const shape = x.shape;
    if (ctx.opset >= 13) return [f(x, axis(attrInt(ctx.node, 'axis', -1), shape.length))];
    const a = axis(attrInt(ctx.node, 'axis', 1), shape.length);
    const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
    return [reshape(f(reshape(x, [outer, -1]), 1), shape)];
  };
}

export const elementwiseKernels: Record<string, Kernel> = {
  Add: binary((a, b) => add(a, b)),
  Sub: binary((a, b) => sub(a, b)),
  Mul: binary(mul),
  Div,
  Relu: unary(relu),
  Sigmoid: unary(sigmoid),
  Tanh: unary(tanh),
  HardSwish: unary(hardswish),
  HardSigmoid,
  LeakyRelu: (inputs, ctx) => [leakyRelu(need(inputs, 0, ctx), attrFloat(ctx.node, 'alpha', 0.01))],
  Clip,
  Softmax: softmaxLike(softmax),
  LogSoftmax: softmaxLike(logSoftmax),
};
