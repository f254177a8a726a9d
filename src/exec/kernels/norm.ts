import { batchNorm } from '../../tensor/index.js';
import { attrFloat } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { need } from './util.js';

// ONNX's momentum weighs the old running value (running = running * m + batch * (1 - m)); PyTorch's weighs the batch.
const BatchNormalization: Kernel = (inputs, ctx) => {
  const [x, scale, bias, mean, variance] = [0, 1, 2, 3, 4].map((i) => need(inputs, i, ctx));
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const momentum = 1 - attrFloat(ctx.node, 'momentum', 0.9);
  return [batchNorm(x!, scale!, bias!, mean!, variance!, { training: ctx.training, momentum, eps })];
};

export const normKernels = { BatchNormalization };
