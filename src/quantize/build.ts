import { foldBatchNorm, foldableBatchNorms, type Graph } from '../graph/index.js';
import { planQuantization, type Plan } from './plan.js';
import { insertQdq, type QuantizedLayer, type ZeroPadded } from './qdq.js';
import type { ActivationType } from './qparams.js';

/** The float model quantization starts from: a copy with every BatchNorm that follows a conv folded into it. */
export function foldedCopy(g: Graph): Graph {
  const f = g.clone();
  foldBatchNorm(f, foldableBatchNorms(f));
  return f;
}

/** The ai.onnx opset a QDQ model is written at: 13 (per-channel DequantizeLinear) or the model's own when newer. */
export const qdqOpset = (g: Graph): number => Math.max(13, g.opset);

/**
 * A QDQ copy of the folded float model `f` with the layers of `exclude` left in float, from calibrated ranges (which
 * must cover the plan's tensors); `padded` names weights widened by zero channels (stored without them). `extraOutputs` adds each quantized layer's output as a graph output (for measuring
 * its error). The caller disposes the graph.
 */
export function quantizedCopy(f: Graph, ranges: ReadonlyMap<string, { lo: number; hi: number }>, o: { exclude: ReadonlySet<string>; activations: ActivationType; extraOutputs?: boolean; padded?: ZeroPadded }): { graph: Graph; plan: Plan; layers: QuantizedLayer[] } {
  const q = f.clone();
  try {
    const plan = planQuantization(q, o.exclude);
    const layers = insertQdq(q, plan, ranges, o.activations, o.padded);
    if (o.extraOutputs) for (const l of layers) if (!q.outputs.some((v) => v.name === l.quantizedOutput)) q.outputs.push({ name: l.quantizedOutput, dtype: 'float32', shape: null });
    return { graph: q, plan, layers };
  } catch (e) {
    q.dispose();
    throw e;
  }
}
