import { ConfigError } from '../errors.js';
import { loadOnnx, metadataProps } from '../onnx/index.js';
import { countMacs, inferShapes } from '../exec/index.js';
import { Graph, GraphError, type Dim } from '../graph/index.js';
import { analyzeGroups, groupWidth, groupWidths, type GroupKind } from '../prune/index.js';
import { isQuantized, parametersWithQuantized } from '../quantize/index.js';
import { apiNaming, checkOptions, inspectSpec, type InspectOptions } from '../options/index.js';

/** What inspect() returns and `whittle inspect --json` prints. */
export interface ModelReport {
  /** The file inspected, or the model's name. */
  model: string;
  producer: string | null;
  /** The file's ai.onnx opset (a file of opsets 6–10 is held in its opset-11 forms, and written at 13 or later). */
  opset: number;
  inputs: { name: string; dtype: string; shape: Dim[] | null }[];
  outputs: { name: string; dtype: string; shape: Dim[] | null }[];
  nodes: number;
  opTypes: Record<string, number>;
  /** Elements of the trainable tensors (BatchNorm running statistics are buffers, not parameters, as in PyTorch); in
   * an int8 file, its int8 weights and int32 biases. */
  params: number;
  /** An int8 file (QuantizeLinear/DequantizeLinear nodes, as `whittle quantize` and `compress --quantize int8` write). */
  quantized: boolean;
  buffers: number;
  /** Multiply-accumulates of one sample (Conv, ConvTranspose, Gemm, MatMul, RNN/GRU/LSTM; 1 multiply-add = 1 MAC), or null. */
  macs: number | null;
  /** The input shape the MACs were counted at (batch 1). */
  macsInput: number[] | null;
  /**
   * Prunable groups (units removed together) and what pruning leaves untouched, with why; null without shapes. `kind`
   * says what the units are (channels, heads, head-dims, mlp, embedding, hidden), `widths` the group's size as inspect
   * prints it (`[32]`; units x unitSize for attention: `[4, 16]` heads of 16 dims, `[16, 4]` dims in 4 heads),
   * `channels` its units (whole heads for `heads`, one dimension in every head for `head-dims`), `unitSize` the
   * channels of one unit in each projection (D, H, else 1).
   */
  groups: { name: string; kind: GroupKind; widths: number[]; channels: number; unitSize: number; members: string[] }[] | null;
  untouched: { node: string; reason: string }[] | null;
  /** The file's metadata_props: for whittle's outputs `whittle.preprocess` and `whittle.labels`, what feeding the model takes. */
  metadata: Record<string, string>;
  notes: string[];
}

/** Loads a model with `input` (when given) as its first input's shape, checked against the model's rank. */
export function loadWithShape(path: string, input: readonly number[] | undefined): Graph {
  if (input === undefined) return loadOnnx(path);
  const g = loadOnnx(path, { inputShapes: [[...input]] });
  const want = g.inputs[0]?.shape;
  if (want && want.length !== input.length) {
    g.dispose();
    throw new ConfigError('input', `the model's input '${g.inputs[0]!.name}' has ${want.length} dims [${want.join(', ')}], got ${input.length} (${input.join('x')}); give the batch too`);
  }
  return g;
}

function report(g: Graph, model: string, input: readonly number[] | undefined): ModelReport {
  const opTypes: Record<string, number> = {};
  for (const n of g.nodes) opTypes[n.opType] = (opTypes[n.opType] ?? 0) + 1;
  const notes: string[] = [];
  let macs: number | null = null;
  let macsInput: number[] | null = null;
  const first = g.inputs[0];
  const shapes: Record<string, number[]> = {};
  if (first && input) shapes[first.name] = [1, ...input.slice(1)];
  const symbolic = g.inputs.filter((i) => !shapes[i.name] && (!i.shape || i.shape.slice(1).some((d) => typeof d !== 'number')));
  if (symbolic.length) notes.push(`MACs need a concrete input shape: give --input (input '${symbolic[0]!.name}' is [${symbolic[0]!.shape?.join(', ') ?? '?'}])`);
  else {
    // Inputs and outputs are shown even where running the graph on zeros fails (several inputs whose first dims
    // are not one batch, say): the MACs and channel groups are what need it.
    try {
      inferShapes(g, shapes);
      macs = countMacs(g).total;
      const v = first && g.valueInfo.get(first.name)?.shape;
      macsInput = v ? v.map((d) => (typeof d === 'number' ? d : 1)) : null;
    } catch (e) {
      if (!(e instanceof GraphError)) throw e;
      notes.push(`no MACs or channel groups: shape inference (the graph run on zeros at batch 1 and 2) failed: ${e.message}`);
    }
  }
  let groups: ModelReport['groups'] = null;
  let untouched: ModelReport['untouched'] = null;
  if (macs !== null) {
    const dg = analyzeGroups(g);
    groups = dg.groups.map((grp) => ({ name: grp.name, kind: grp.kind, widths: groupWidths({ unitSize: grp.unitSize, width: groupWidth(grp) }), channels: groupWidth(grp), unitSize: grp.unitSize, members: [...grp.members] }));
    untouched = dg.untouched.map((u) => ({ ...u }));
  }
  const producer = [g.metadata['producer_name'], g.metadata['producer_version']].filter((s) => s).join(' ');
  const outShape = (v: Graph['outputs'][number]): Dim[] | null => {
    const s = v.shape ?? g.valueInfo.get(v.name)?.shape;
    return s ? [...s] : null;
  };
  return {
    model,
    producer: producer || null,
    opset: Number(g.metadata['source_opset'] ?? g.opset),
    inputs: g.inputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape ? [...v.shape] : null })),
    outputs: g.outputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: outShape(v) })),
    nodes: g.nodes.length,
    opTypes,
    params: parametersWithQuantized(g),
    quantized: isQuantized(g),
    buffers: g.tensorsOf('buffer').reduce((n, [, t]) => n + t.numel, 0),
    macs,
    macsInput,
    groups,
    untouched,
    metadata: metadataProps(g),
    notes,
  };
}

/**
 * Summarises a model (a loaded one, or an ONNX file): inputs and outputs, nodes by op type, parameters, MACs per
 * sample and the prunable channel groups. MACs need concrete input shapes: the model's own, or `input` (batch first)
 * for its first input. The model is left unchanged apart from its inferred shapes.
 */
export function inspect(model: Graph | string, options: InspectOptions = {}): ModelReport {
  const o = checkOptions(inspectSpec, options, apiNaming);
  if (typeof model !== 'string') {
    if (!(model instanceof Graph)) throw new ConfigError('model', 'expected a model (from loadOnnx) or an ONNX file path');
    return report(model, model.name, o.input);
  }
  const g = loadWithShape(model, o.input);
  try {
    return report(g, model, o.input);
  } finally {
    g.dispose();
  }
}
