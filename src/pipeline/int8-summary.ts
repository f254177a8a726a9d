import type { Graph } from '../graph/index.js';
import { decodeModel } from '../onnx/index.js';
import type { Dataset } from '../data/index.js';
import { runtimeNamed } from '../runtime/index.js';
import type { Int8Summary } from '../report/index.js';
import { FLOAT_LAYER_OPS, INT8_OPS } from './quantize.js';
import { agreement, predictSplit } from './runtime-data.js';

async function testAccuracy(bytes: Uint8Array, g: Graph, ds: Dataset, threads: number): Promise<number> {
  const s = await runtimeNamed('onnxruntime-node').open(bytes, { threads });
  try {
    const p = await predictSplit(s, g, ds, 'test');
    return agreement(p.predicted, p.labels);
  } finally {
    await s.release();
  }
}

/**
 * The report's int8 row: the int8 file's size, its test accuracy in onnxruntime-node beside the float student's
 * there, and the int8 kernels onnxruntime's optimizer fused (and float Conv/Gemm/MatMul kernels left).
 */
export async function int8Summary(int8: Uint8Array, float: Uint8Array, g: Graph, ds: Dataset, qat: Pick<Int8Summary, 'valAccuracy' | 'quantized' | 'activations' | 'epochs'>, threads: number): Promise<Int8Summary> {
  const optimized = await runtimeNamed('onnxruntime-node').optimizedModel(int8, { threads });
  const ops = decodeModel(optimized!, 'optimized model').graph!.node.map((n) => n.opType);
  return {
    bytes: int8.length,
    valAccuracy: qat.valAccuracy,
    testAccuracy: await testAccuracy(int8, g, ds, threads),
    floatTestAccuracy: await testAccuracy(float, g, ds, threads),
    quantized: qat.quantized,
    fused: ops.filter((op) => INT8_OPS.has(op)).length,
    floatLayers: ops.filter((op) => FLOAT_LAYER_OPS.has(op)).length,
    activations: qat.activations,
    epochs: qat.epochs,
  };
}
