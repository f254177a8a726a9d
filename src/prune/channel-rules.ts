import { attrInt, attrInts, type Node } from '../graph/index.js';
import type { Analyzer } from './analyzer.js';
import { conv, convTranspose, layerNorm, linear, norm } from './layer-rules.js';
import { expand, gather } from './stream-rules.js';
import { concat, elementwise, flatten, reduce, reshape, shape, slice, split, squeeze, transpose } from './shape-rules.js';
import { recurrent } from './recurrent-rules.js';

/** Element-wise on one input: the output's channels are the input's, on the same axis. */
const UNARY = new Set([
  'Relu', 'LeakyRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'HardSwish', 'HardSigmoid', 'Sigmoid', 'Tanh', 'Softplus', 'Softsign', 'Mish',
  'Neg', 'Abs', 'Exp', 'Log', 'Sqrt', 'Erf', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Cast', 'Identity', 'Dropout',
]);
/** Pooling keeps channels apart, but only with channels on axis 1 (NCHW). */
const POOLS = new Set(['MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool']);
const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Clip', 'Where', 'PRelu']);
/** Ops that follow a channel axis other than 1; every other op needs its inputs' channels on axis 1. */
const AXIS_AWARE = new Set([
  'Transpose', 'MatMul', 'Softmax', 'LogSoftmax', 'Hardmax', 'Shape', 'LayerNormalization', 'Constant', 'Flatten', 'Reshape',
  'Gather', 'Expand', 'Concat', 'Split', 'Slice', 'Gemm', 'Squeeze', 'Unsqueeze', 'GRU', 'LSTM', 'RNN', 'Pad',
]);
const REDUCE = new Set(['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSumExp', 'ReduceSumSquare']);

/** Relates one node's channels to its inputs' (the dispatch over op types; anything not known is left untouched). */
export function visit(an: Analyzer, n: Node): void {
  const op = n.opType;
  if (n.domain !== '' && n.domain !== 'ai.onnx') return an.unknown(n, `op ${n.domain}::${op} is not known to keep channels apart`);
  if (an.stats.has(n.name)) return; // inside a matched LayerNorm: statistics over all channels, no map
  const pattern = an.patterns.get(n.name);
  if (pattern) return pattern();
  if (op === 'Constant') {
    for (const o of n.outputs) if (o) an.constNodes.add(o);
    return;
  }
  // shape arithmetic (Shape → Gather → Unsqueeze → Concat → Where ...): no channels in, none out
  if (n.inputs.every((i) => !i || an.mapOf(i) === undefined) && n.outputs.every((o) => !o || (an.dims(o)?.length ?? 0) < 2)) return;
  const moved = n.inputs.find((i) => i && an.mapOf(i) !== undefined && an.axisOf(i) !== 1);
  if (moved && !AXIS_AWARE.has(op) && !UNARY.has(op) && !ELEMENTWISE.has(op) && !REDUCE.has(op)) {
    return an.unknown(n, `${op} on a value whose channels are on axis ${an.axisOf(moved)}, not 1`);
  }
  if (op === 'Conv') return conv(an, n);
  if (op === 'ConvTranspose') return convTranspose(an, n);
  if (op === 'Gemm' || op === 'MatMul') return linear(an, n);
  if (op === 'BatchNormalization' || op === 'InstanceNormalization') return norm(an, n);
  if (op === 'Clip' && n.inputs.slice(1).every((i) => !i || an.isConst(i))) return elementwise(an, n);
  if (ELEMENTWISE.has(op)) return elementwise(an, n);
  if (UNARY.has(op) || POOLS.has(op)) return an.passThrough(n);
  if (op === 'LayerNormalization') return layerNorm(an, n);
  if (REDUCE.has(op)) return reduce(an, n);
  switch (op) {
    case 'Concat': return concat(an, n);
    case 'Split': return split(an, n);
    case 'Slice': return slice(an, n);
    case 'Flatten': return flatten(an, n);
    case 'Reshape': return reshape(an, n);
    case 'Squeeze': case 'Unsqueeze': return squeeze(an, n);
    case 'Transpose': return transpose(an, n);
    case 'Gather': return gather(an, n);
    case 'GRU': case 'LSTM': case 'RNN': return recurrent(an, n);
    case 'Expand': return expand(an, n);
    case 'Softmax': case 'LogSoftmax': case 'Hardmax': {
      const rank = an.dims(n.inputs[0])?.length ?? 2;
      const ax = attrInt(n, 'axis', an.g.opset >= 13 ? -1 : 1);
      const norm = ax < 0 ? ax + rank : ax;
      const over = an.g.opset >= 13 ? [norm] : Array.from({ length: rank - norm }, (_, i) => norm + i);
      const chan = n.inputs[0] && an.mapOf(n.inputs[0]) !== undefined ? an.axisOf(n.inputs[0]) : 1;
      return norm > 0 && !over.includes(chan) ? an.passThrough(n) : an.unknown(n, `${op} over the channel axis mixes channels`);
    }
    case 'Shape': return shape(an, n);
    case 'Pad': {
      const pads = n.inputs[1] ? an.ints(n.inputs[1]) : [...attrInts(n, 'pads', [])];
      const rank = an.dims(n.inputs[0])?.length ?? 0;
      const chan = n.inputs[0] && an.mapOf(n.inputs[0]) !== undefined ? an.axisOf(n.inputs[0]) : 1;
      // pads on the batch and channel axes stay 0 (inputs[3], the axes of opset 18, would reorder them)
      const ok = pads !== null && !n.inputs[3] && [0, chan].every((a) => pads[a] === 0 && pads[rank + a] === 0) && (!n.inputs[2] || an.isConst(n.inputs[2]));
      return ok ? an.passThrough(n) : an.unknown(n, 'Pad on the batch or channel axis, or with computed pads');
    }
    case 'Resize': case 'Upsample':
      return n.inputs[3] ? an.unknown(n, `${op} with explicit sizes fixes the channel count`) : an.passThrough(n);
    default:
      return an.unknown(n, `op ${op} is not known to keep channels apart`);
  }
}
