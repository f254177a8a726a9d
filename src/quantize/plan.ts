import { attrFloat, attrInt, attrString, type Graph, type Node } from '../graph/index.js';

/** Ops with weights that become int8 kernels (QLinearConv, QGemm, QLinearMatMul / MatMulInteger). */
const WEIGHTED = new Set(['Conv', 'Gemm', 'MatMul']);
/** Ops on activations alone that onnxruntime runs on int8 (QLinearAdd, QLinearGlobalAveragePool, QLinearAveragePool,
 * QLinearConcat). */
const ACTIVATION_OPS = new Set(['Add', 'GlobalAveragePool', 'AveragePool', 'Concat']);
/** Ops that move values without computing: their output keeps their input's scale, so onnxruntime drops the
 * Dequantize/Quantize pair around them and runs them on the integers. */
const PASS_THROUGH = new Set(['MaxPool', 'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Resize']);
/** Activations onnxruntime removes when a Quantize that clips as they do follows: quantizing their output fuses them. */
const FOLDED_ACTIVATIONS = new Set(['Relu', 'Clip']);

/** One node quantized: the activations it reads, the tensor after it that is quantized (after a ReLU or Clip that
 * follows it, which the int8 kernel absorbs; null: its output stays float, e.g. the logits), and its weights. */
export type PlannedLayer = {
  readonly node: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly output: string | null;
  readonly weight: { readonly name: string; readonly axis: number } | null;
  readonly bias: string | null;
};

/** What quantize() rewrites: the layers, and each quantized tensor with the tensor whose range it takes (itself, or
 * for a pass-through op's output the input's, transitively). */
export type Plan = { readonly layers: readonly PlannedLayer[]; readonly tensors: ReadonlyMap<string, string> };

const isFloatInit = (g: Graph, name: string | undefined): boolean => !!name && g.initializers.get(name)?.tensor.dtype === 'float32';

/** The weight (and its output-channel axis) and bias of a weighted node, or null when it is not in a form the int8
 * kernels take (weights computed at run time, Gemm with alpha, beta or transA, a bias that is not one per channel). */
function weightsOf(g: Graph, n: Node): { weight: { name: string; axis: number }; bias: string | null } | null {
  const w = n.inputs[1];
  if (!isFloatInit(g, w) || g.initializers.has(n.inputs[0]!)) return null;
  const shape = g.initializers.get(w!)!.tensor.shape;
  const bias = n.inputs[2] || null;
  if (bias !== null && !isFloatInit(g, bias)) return null;
  if (n.opType === 'Conv') return { weight: { name: w!, axis: 0 }, bias };
  if (shape.length !== 2) return null;
  if (n.opType === 'MatMul') return { weight: { name: w!, axis: 1 }, bias: null };
  if (attrInt(n, 'transA', 0) !== 0 || attrFloat(n, 'alpha', 1) !== 1 || attrFloat(n, 'beta', 1) !== 1) return null;
  const axis = attrInt(n, 'transB', 0) === 1 ? 0 : 1;
  if (bias !== null && g.initializers.get(bias)!.tensor.shape.join() !== String(shape[axis])) return null;
  return { weight: { name: w!, axis }, bias };
}

/**
 * Which nodes to quantize and where the Quantize/Dequantize pairs go, in the form onnxruntime fuses: every activation
 * a quantized node reads and the tensor after it (after a following ReLU or Clip, so that the kernel absorbs it),
 * except a MatMul's or Gemm's output that is a graph output (QGemm writes float logits). `exclude` names nodes left
 * in float. See hasWeights for a plan with nothing to gain.
 */
export function planQuantization(g: Graph, exclude: ReadonlySet<string> = new Set()): Plan {
  const consumers = g.consumers();
  const outputs = new Set(g.outputs.map((o) => o.name));
  const isActivation = (v: string | undefined): v is string => !!v && !g.initializers.has(v);
  const after = (v: string): string => {
    const readers = consumers.get(v) ?? [];
    const act = readers[0];
    if (readers.length !== 1 || outputs.has(v) || !act || !FOLDED_ACTIVATIONS.has(act.opType) || act.domain !== '') return v;
    if (act.opType === 'Clip' && act.inputs.slice(1).some((b) => b && !g.initializers.has(b))) return v;
    return act.outputs[0]!;
  };
  const layers: PlannedLayer[] = [];
  for (const n of g.nodes) {
    if (n.domain !== '' || exclude.has(n.name)) continue;
    if (WEIGHTED.has(n.opType)) {
      const w = weightsOf(g, n);
      if (!w || !isActivation(n.inputs[0])) continue;
      const out = after(n.outputs[0]!);
      const floatOut = n.opType !== 'Conv' && outputs.has(out);
      layers.push({ node: n.name, opType: n.opType, inputs: [n.inputs[0]], output: floatOut ? null : out, weight: w.weight, bias: w.bias });
    } else if (ACTIVATION_OPS.has(n.opType)) {
      const ins = n.opType === 'Add' ? n.inputs.slice(0, 2) : n.opType === 'Concat' ? n.inputs : n.inputs.slice(0, 1);
      if (!ins.every(isActivation)) continue;
      layers.push({ node: n.name, opType: n.opType, inputs: ins, output: after(n.outputs[0]!), weight: null, bias: null });
    }
  }
  const tensors = new Map<string, string>();
  for (const l of layers) for (const t of [...l.inputs, ...(l.output === null ? [] : [l.output])]) tensors.set(t, t);
  for (const n of g.nodes) {
    const source = tensors.get(n.inputs[0] ?? '');
    if (!PASS_THROUGH.has(n.opType) || n.domain !== '' || source === undefined || outputs.has(n.outputs[0]!)) continue;
    // Resize by nearest or linear taps stays within its input's range; cubic overshoots it
    if (n.opType === 'Resize' && !['nearest', 'linear'].includes(attrString(n, 'mode', 'nearest'))) continue;
    tensors.set(n.outputs[0]!, source);
  }
  return { layers, tensors };
}

/** Whether the plan quantizes any weighted node (without one, int8 gains nothing). */
export const hasWeights = (p: Plan): boolean => p.layers.some((l) => l.weight !== null);

/** Whether the model is already in QDQ form (QuantizeLinear or DequantizeLinear nodes): an int8 file. */
export const isQuantized = (g: Graph): boolean => g.nodes.some((n) => n.domain === '' && (n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear'));

/**
 * A model's parameter count with an int8 file's stored weights and biases counted: the float parameters, plus every
 * integer initializer a DequantizeLinear turns into float values (0 more for a float model).
 */
export function parametersWithQuantized(g: Graph): number {
  const stored = new Set(g.nodes.filter((n) => n.domain === '' && n.opType === 'DequantizeLinear').map((n) => n.inputs[0]!));
  let n = g.parameterCount();
  for (const [name, init] of g.initializers) if (stored.has(name) && !init.tensor.dtype.startsWith('float')) n += init.tensor.numel;
  return n;
}
