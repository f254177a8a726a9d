import { add, linear, matmul, mul, transpose } from '../../tensor/index.js';
import { attrFloat, attrInt } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { need } from './util.js';

// Kernels run inside a tidy scope (see executor.ts): temporaries need no disposing here.

/** Y = alpha * A' @ B' + beta * C; the common PyTorch export (transB=1, alpha=beta=1) is one linear call. */
const Gemm: Kernel = (inputs, ctx) => {
  const a = need(inputs, 0, ctx);
  const b = need(inputs, 1, ctx);
  const c = inputs[2] ?? null;
  const alpha = attrFloat(ctx.node, 'alpha', 1);
  const beta = attrFloat(ctx.node, 'beta', 1);
  const transA = attrInt(ctx.node, 'transA', 0);
  const transB = attrInt(ctx.node, 'transB', 0);
  if (!transA && transB && alpha === 1 && (beta === 1 || !c)) return [linear(a, b, c)];
  let y = matmul(transA ? transpose(a, 0, 1) : a, transB ? transpose(b, 0, 1) : b);
  if (alpha !== 1) y = mul(y, alpha);
  return [c ? add(y, c, beta) : y];
};

const MatMul: Kernel = (inputs, ctx) => [matmul(need(inputs, 0, ctx), need(inputs, 1, ctx))];

export const linearKernels = { Gemm, MatMul };
