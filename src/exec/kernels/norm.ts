import { add, batchNorm, callAten, callAtenMany, mean, mul, reshape, sqrt, sub, div, type Tensor } from '../../tensor/index.js';
import { attrFloat, attrInt } from '../../graph/index.js';
import { onnxTrainingForm } from '../global-batch-norm.js';
import type { Kernel } from '../kernel.js';
import { checkedAxis, need, unsupported } from './util.js';

/**
 * BatchNormalization as ONNX's training_mode=1 defines it (opset 14+; the optional outputs of opset 9-13 alike):
 * normalise with the batch statistics and return the new running ones, running * momentum + batch * (1 - momentum),
 * with the biased batch variance. Nothing is updated in place.
 */
function batchNormOnnxTraining(x: Tensor, scale: Tensor, bias: Tensor, runMean: Tensor, runVar: Tensor, eps: number, momentum: number): Tensor[] {
  const axes = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2)];
  const bshape = [1, -1, ...Array.from({ length: x.rank - 2 }, () => 1)];
  const m = mean(x, axes, false);
  const v = callAten('var', 'correction', x, axes, 0, false);
  const y = add(mul(div(sub(x, reshape(m, bshape)), sqrt(add(reshape(v, bshape), eps))), reshape(scale, bshape)), reshape(bias, bshape));
  return [y, add(mul(runMean, momentum), mul(m, 1 - momentum)), add(mul(runVar, momentum), mul(v, 1 - momentum))];
}

/**
 * BatchNormalization. Inference uses the running statistics. When the executor trains (ctx.training), libtorch's
 * batch_norm uses batch statistics and updates the running ones in place; the trainer passes a GlobalBatchNorm
 * (ctx.globalBatchNorm) instead, which computes them one way for one process and for a data-parallel group's whole
 * global batch. A node that itself asks for training (training_mode=1, or the running-statistics outputs) gets
 * ONNX's functional form. ONNX's momentum weighs the old running value; PyTorch's weighs the batch.
 */
const BatchNormalization: Kernel = (inputs, ctx) => {
  const [x, scale, bias, mean_, variance] = [0, 1, 2, 3, 4].map((i) => need(inputs, i, ctx)) as [Tensor, Tensor, Tensor, Tensor, Tensor];
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const onnxMomentum = attrFloat(ctx.node, 'momentum', 0.9);
  if (ctx.node.outputs.slice(3).some((o) => o)) unsupported(ctx, 'the saved_mean/saved_var outputs');
  if (onnxTrainingForm(ctx.node)) return batchNormOnnxTraining(x, scale, bias, mean_, variance, eps, onnxMomentum);
  if (ctx.globalBatchNorm) return [ctx.globalBatchNorm.normalize(x, scale, bias, mean_, variance, eps, 1 - onnxMomentum)];
  return [batchNorm(x, scale, bias, mean_, variance, { training: ctx.training, momentum: 1 - onnxMomentum, eps })];
};

/**
 * LayerNormalization (opset 17): normalises over the dims from `axis` on; outputs Y and optionally Mean and
 * InvStdDev (shaped like X with the normalised dims set to 1). Scale and bias shaped like those dims go to
 * libtorch's native_layer_norm; other broadcastable shapes are applied after it.
 */
const LayerNormalization: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const scale = need(inputs, 1, ctx);
  const bias = inputs[2] ?? null;
  const a = checkedAxis(attrInt(ctx.node, 'axis', -1), x.rank, ctx);
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const normShape = x.shape.slice(a);
  const same = (t: Tensor | null): boolean => !t || (t.rank === normShape.length && t.shape.every((d, i) => d === normShape[i]));
  if (same(scale) && same(bias)) return callAtenMany('native_layer_norm', '', x, normShape, scale, bias, eps);
  const [y, m, rstd] = callAtenMany('native_layer_norm', '', x, normShape, null, null, eps) as [Tensor, Tensor, Tensor];
  const scaled = mul(y, scale);
  return [bias ? add(scaled, bias) : scaled, m, rstd];
};

export const normKernels = { BatchNormalization, LayerNormalization };
