import type { Graph } from '../graph/index.js';
import { decodeModel } from '../onnx/index.js';
import type { Dataset } from '../data/index.js';
import { runtimeNamed } from '../runtime/index.js';
import type { Int8Summary } from '../report/index.js';
import { selectionScore, type Head, type HeadMetrics } from '../task/index.js';
import { metricsByOutput } from '../distill/index.js';
import { FLOAT_LAYER_OPS, INT8_OPS } from './quantize.js';
import { agreement, predictSplit, withSession } from './runtime-data.js';
import { runtimeHeadMetrics } from './runtime-heads.js';

/** A run that is not one labelled classifier: its teacher's file and heads, and the student's heads. */
export type ScoredHeads = { teacher: Uint8Array; heads: readonly Head[]; studentHeads: readonly Head[] };

async function testAccuracy(bytes: Uint8Array, g: Graph, ds: Dataset, threads: number): Promise<number> {
  const p = await withSession(bytes, { threads }, (s) => predictSplit(s, g, ds, 'test'));
  return agreement(p.predicted, p.labels);
}

/**
 * The int8 and float students' scores on the test split in onnxruntime-node for a run that is not one labelled
 * classifier: the score that picks its epochs (task metric where labelled, else fidelity to the teacher, run there
 * too), and the int8 file's fidelity and task metrics per output.
 */
async function headScores(int8: Uint8Array, float: Uint8Array, g: Graph, ds: Dataset, s: ScoredHeads, threads: number): Promise<Pick<Int8Summary, 'testAccuracy' | 'floatTestAccuracy' | 'fidelity' | 'metrics'>> {
  return withSession(s.teacher, { threads }, async (teacher) => {
    const on = (bytes: Uint8Array): Promise<HeadMetrics[]> => withSession(bytes, { threads }, (session) => runtimeHeadMetrics(session, teacher, g, ds, 'test', s.studentHeads, s.heads));
    const m8 = await on(int8);
    const mf = await on(float);
    return { testAccuracy: selectionScore(s.heads, m8), floatTestAccuracy: selectionScore(s.heads, mf), ...metricsByOutput(s.heads, m8) };
  });
}

/**
 * The report's int8 row: the int8 file's size, its test accuracy in onnxruntime-node beside the float student's
 * there (for other tasks, the run's score, with the int8 file's fidelity to the teacher and task metrics per output),
 * and the int8 kernels onnxruntime's optimizer fused (and float Conv/Gemm/MatMul kernels left).
 */
export async function int8Summary(int8: Uint8Array, float: Uint8Array, g: Graph, ds: Dataset, qat: Pick<Int8Summary, 'valAccuracy' | 'quantized' | 'activations' | 'epochs'>, threads: number, scored: ScoredHeads | null = null): Promise<Int8Summary> {
  const optimized = await runtimeNamed('onnxruntime-node').optimizedModel(int8, { threads });
  const ops = decodeModel(optimized!, 'optimized model').graph!.node.map((n) => n.opType);
  const scores = scored ? await headScores(int8, float, g, ds, scored, threads) : { testAccuracy: await testAccuracy(int8, g, ds, threads), floatTestAccuracy: await testAccuracy(float, g, ds, threads) };
  return {
    bytes: int8.length,
    valAccuracy: qat.valAccuracy,
    ...scores,
    quantized: qat.quantized,
    fused: ops.filter((op) => INT8_OPS.has(op)).length,
    floatLayers: ops.filter((op) => FLOAT_LAYER_OPS.has(op)).length,
    activations: qat.activations,
    epochs: qat.epochs,
  };
}
