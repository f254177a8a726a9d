// Runs one ONNX node on the executor, for kernel tests: every input is a graph input, every output is returned.
import { Graph, type Attrs } from '../../src/graph/index.js';
import { runGraph } from '../../src/exec/index.js';
import { tensor, tidy, type DType, type Tensor } from '../../src/tensor/index.js';

/** An output copied out of the engine. */
export type Out = { shape: number[]; dtype: DType; data: number[] };

export type NodeOptions = { opset?: number; outputs?: number; training?: boolean; name?: string };

/** A graph of one `opType` node whose inputs are graph inputs (null for an absent optional input), with its feeds. */
export function nodeGraph(opType: string, inputs: readonly (Tensor | null)[], attrs: Attrs = {}, o: NodeOptions = {}): { g: Graph; feeds: Record<string, Tensor>; outputs: string[] } {
  const names = inputs.map((t, i) => (t ? `in${i}` : ''));
  const outputs = Array.from({ length: o.outputs ?? 1 }, (_, i) => `out${i}`);
  const g = new Graph({
    inputs: inputs.flatMap((t, i) => (t ? [{ name: `in${i}`, dtype: t.dtype, shape: t.shape }] : [])),
    outputs: outputs.map((name) => ({ name, dtype: 'float32' as DType, shape: null })),
    nodes: [{ name: o.name ?? 'node', opType, domain: '', inputs: names, outputs, attrs }],
    initializers: new Map(),
    opset: o.opset ?? 13,
  });
  const feeds: Record<string, Tensor> = {};
  inputs.forEach((t, i) => t && (feeds[`in${i}`] = t));
  return { g, feeds, outputs };
}

/** Runs `opType` on the inputs (null for an absent optional input) and returns every output as plain values. */
export function runNode(opType: string, inputs: readonly (Tensor | null)[], attrs: Attrs = {}, o: NodeOptions = {}): Out[] {
  const { g, feeds, outputs } = nodeGraph(opType, inputs, attrs, o);
  return tidy(() => {
    const r = runGraph(g, feeds, { training: o.training ?? false });
    return outputs.map((name) => ({ shape: r[name]!.shape, dtype: r[name]!.dtype, data: r[name]!.toArray() }));
  });
}

/** An int64 vector (axes, pads, shapes, sizes). */
export const i64 = (values: readonly number[]): Tensor => tensor([...values], [values.length], 'int64');

/** A float32 tensor holding 0, 1, 2, ... in the given shape. */
export function iota(shape: readonly number[], scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, (_, i) => i * scale), shape, 'float32');
}
