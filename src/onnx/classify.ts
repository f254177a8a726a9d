import { STATISTIC_INPUTS, type InitializerKind, type Node } from '../graph/index.js';

/** Inputs that hold trainable weights, by op type (input positions). */
const PARAM_INPUTS: Record<string, readonly number[]> = {
  Conv: [1, 2], ConvTranspose: [1, 2], Gemm: [0, 1, 2], MatMul: [0, 1], BatchNormalization: [1, 2],
  LayerNormalization: [1, 2], InstanceNormalization: [1, 2], GroupNormalization: [1, 2], PRelu: [1],
  // W, R and B of a recurrent layer (sequence_lens and the initial states are data).
  RNN: [1, 2, 3], GRU: [1, 2, 3], LSTM: [1, 2, 3, 7],
};
/** Ops whose output an Add may bias (PyTorch writes Linear on 3-D inputs as MatMul + Add). */
const BIASED = new Set(['MatMul', 'Conv', 'ConvTranspose']);

/** The other input of a two-input node when one is an initializer: [initializer, other]. */
function split(n: Node, isInit: (v: string) => boolean): [string, string] | undefined {
  if (n.inputs.length !== 2) return undefined;
  const [a, b] = n.inputs as [string, string];
  if (isInit(b) && !isInit(a)) return [b, a];
  if (isInit(a) && !isInit(b)) return [a, b];
  return undefined;
}

const RECURRENT = new Set(['RNN', 'GRU', 'LSTM']);

/**
 * What each initializer is to training and counting. A float tensor read as a Conv/ConvTranspose/Gemm/MatMul weight
 * or bias (including an Add right after a MatMul or Conv), or as a normalisation scale/bias (also the Mul/Add after
 * a decomposed LayerNorm's Div by Sqrt, and a per-channel tensor multiplying an activation, such as ConvNeXt's
 * layer scale), is a 'param'; BatchNorm
 * running mean and variance are 'buffer's; everything else (shapes, axes, Clip bounds, masks) is 'constant'.
 * `param` wins when one tensor has several roles.
 */
export function classifyInitializers(
  nodes: readonly Node[], dtypes: ReadonlyMap<string, string>, numels: ReadonlyMap<string, number> = new Map(), shapes: ReadonlyMap<string, readonly number[]> = new Map(),
  zeros: ReadonlySet<string> = new Set(),
): Map<string, InitializerKind> {
  const kinds = new Map<string, InitializerKind>();
  const readers = new Map<string, { n: Node; i: number }[]>();
  for (const n of nodes) n.inputs.forEach((v, i) => v && readers.set(v, [...(readers.get(v) ?? []), { n, i }]));
  const onlyInitialState = (v: string): boolean => (readers.get(v) ?? []).every(({ n, i }) => RECURRENT.has(n.opType) && (i === 5 || i === 6));
  for (const name of dtypes.keys()) kinds.set(name, 'constant');
  const producer = new Map<string, Node>();
  for (const n of nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const isFloat = (name: string): boolean => (dtypes.get(name) ?? '').startsWith('float');
  const mark = (name: string | undefined, kind: InitializerKind): void => {
    if (!name || !kinds.has(name) || !isFloat(name)) return;
    if (kind === 'param' || kinds.get(name) === 'constant') kinds.set(name, kind);
  };
  const affine = new Set<string>();
  for (const n of nodes) {
    for (const i of PARAM_INPUTS[n.opType] ?? []) mark(n.inputs[i], 'param');
    for (const i of STATISTIC_INPUTS[n.opType] ?? []) if (kinds.get(n.inputs[i] ?? '') !== 'param') mark(n.inputs[i], 'buffer');
    // An embedding table: float data gathered by computed indices (token ids).
    if (n.opType === 'Gather' && kinds.has(n.inputs[0] ?? '') && !kinds.has(n.inputs[1] ?? '')) mark(n.inputs[0], 'param');
    // A learned token broadcast over the batch (ViT's class token).
    // (Zeros broadcast into a GRU/LSTM/RNN's initial state are no parameter: PyTorch's default h0 and c0.)
    if (n.opType === 'Expand' && !(zeros.has(n.inputs[0] ?? '') && onlyInitialState(n.outputs[0]!))) mark(n.inputs[0], 'param');
    const io = split(n, (v) => kinds.has(v));
    if (!io) continue;
    const [w, x] = io;
    const from = producer.get(x);
    if (n.opType === 'Add' && BIASED.has(from?.opType ?? '')) mark(w, 'param');
    // A decomposed LayerNorm, (x - mean) / sqrt(var + eps) * gamma + beta: gamma and beta are weights.
    if (n.opType === 'Mul' && from?.opType === 'Div' && producer.get(from.inputs[1] ?? '')?.opType === 'Sqrt') {
      mark(w, 'param');
      affine.add(n.outputs[0]!);
    }
    if (n.opType === 'Add' && affine.has(x)) mark(w, 'param');
    // A learned position embedding added to a sequence of tokens ([1, tokens, width] and the like).
    if (n.opType === 'Add' && (shapes.get(w)?.length ?? 0) >= 3 && (numels.get(w) ?? 1) > 1) mark(w, 'param');
    // A learned per-channel scale of an activation (ConvNeXt's layer_scale); scalar factors stay constants.
    if (n.opType === 'Mul' && (numels.get(w) ?? 1) > 1 && from) mark(w, 'param');
  }
  return kinds;
}
