// How each fixture `op` of test/fixtures/ops.json is called on whittle's API (the PyTorch side is in scripts/gen-fixtures.py).
import * as T from '../../src/tensor/index.js';
import { type Tensor, type DType } from '../../src/tensor/index.js';
import { type OpCase, fromEncoded, outputWeights } from './fixtures.js';

// Fixture arguments are JSON written by the generator, read here field by field.
type Args = Record<string, any>;
type Inputs = Record<string, Tensor>;
type OpFn = (i: Inputs, a: Args, list: Tensor[]) => Tensor | Tensor[];

const unary = (f: (x: Tensor) => Tensor): OpFn => (i) => f(i['x']!);
const opt = <V>(v: V | undefined, d: V): V => (v === undefined ? d : v);

function create(a: Args, i: Inputs): Tensor | Tensor[] {
  if (a['seed'] !== undefined) T.manualSeed(a['seed']);
  const o = a['dtype'] === undefined ? {} : { dtype: a['dtype'] as DType };
  switch (a['fn']) {
    case 'zeros': return T.zeros(a['shape'], o);
    case 'ones': return T.ones(a['shape'], o);
    case 'full': return T.full(a['shape'], a['value'], o);
    case 'arange': return T.arange(a['start'], a['end'], a['step'], o);
    case 'randn': return T.randn(a['shape'], o);
    case 'rand': return T.rand(a['shape'], o);
    case 'randint': return T.randint(a['high'], a['shape'], o);
    case 'randperm': return T.randperm(a['n'], o);
    case 'likes': return [T.zerosLike(i['x']!), T.onesLike(i['x']!)];
    default: throw new Error(`op table: unknown create fn ${String(a['fn'])}`);
  }
}

/** fn(inputs by name, args, inputs in fixture order) for every fixture `op`. */
export const OPS: Record<string, OpFn> = {
  // nn
  conv2d: (i, a) => T.conv2d(i['x']!, i['w']!, i['b'] ?? null, a),
  batchNorm: (i, a) => {
    const [rm, rv] = [i['runningMean'] ?? null, i['runningVar'] ?? null];
    const y = T.batchNorm(i['x']!, i['weight'] ?? null, i['bias'] ?? null, rm, rv, { training: a['training'], momentum: opt(a['momentum'], 0.1), eps: opt(a['eps'], 1e-5) });
    return [y, ...[rm, rv].filter((t): t is Tensor => t !== null)];
  },
  layerNorm: (i, a) => T.layerNorm(i['x']!, a['shape'], i['weight'] ?? null, i['bias'] ?? null, opt(a['eps'], 1e-5)),
  linear: (i) => T.linear(i['x']!, i['w']!, i['b'] ?? null),
  relu: unary(T.relu),
  relu6: unary(T.relu6),
  leakyRelu: (i, a) => T.leakyRelu(i['x']!, opt(a['slope'], 0.01)),
  clip: (i, a) => T.clip(i['x']!, a['min'], a['max']),
  sigmoid: unary(T.sigmoid),
  hardsigmoid: unary(T.hardsigmoid),
  hardswish: unary(T.hardswish),
  silu: unary(T.silu),
  gelu: (i, a) => T.gelu(i['x']!, opt(a['approximate'], 'none')),
  tanh: unary(T.tanh),
  softmax: (i, a) => T.softmax(i['x']!, a['dim']),
  logSoftmax: (i, a) => T.logSoftmax(i['x']!, a['dim']),
  dropout: (i, a) => T.dropout(i['x']!, a['p'], a['training']),
  maxPool2d: (i, a) => T.maxPool2d(i['x']!, a['kernel'], a),
  avgPool2d: (i, a) => T.avgPool2d(i['x']!, a['kernel'], a),
  adaptiveAvgPool2d: (i, a) => T.adaptiveAvgPool2d(i['x']!, a['size']),
  globalAvgPool: unary(T.globalAvgPool),
  // math
  add: (i, a) => T.add(i['a']!, i['b'] ?? a['b'], opt(a['alpha'], 1)),
  sub: (i, a) => T.sub(i['a']!, i['b'] ?? a['b'], opt(a['alpha'], 1)),
  mul: (i, a) => T.mul(i['a']!, i['b'] ?? a['b']),
  div: (i, a) => T.div(i['a']!, i['b'] ?? a['b']),
  pow: (i, a) => T.pow(i['a']!, i['e'] ?? a['e']),
  sqrt: unary(T.sqrt),
  abs: unary(T.abs),
  exp: unary(T.exp),
  log: unary(T.log),
  neg: unary(T.neg),
  square: unary(T.square),
  erf: unary(T.erf),
  sign: unary(T.sign),
  maximum: (i) => T.maximum(i['a']!, i['b']!),
  minimum: (i) => T.minimum(i['a']!, i['b']!),
  where: (i) => T.where(T.gt(i['c']!, 0), i['a']!, i['b']!),
  eq: (i, a) => T.eq(i['a']!, i['b'] ?? a['b']),
  gt: (i, a) => T.gt(i['a']!, i['b'] ?? a['b']),
  lt: (i, a) => T.lt(i['a']!, i['b'] ?? a['b']),
  isfinite: (i) => T.isfinite(T.div(i['a']!, T.tensor([1, 0, 1], [3], i['a']!.dtype))),
  matmul: (i) => T.matmul(i['a']!, i['b']!),
  addmm: (i, a) => T.addmm(i['self']!, i['m1']!, i['m2']!, opt(a['beta'], 1), opt(a['alpha'], 1)),
  sum: (i, a) => T.sum(i['x']!, a['dim'], opt(a['keepdim'], false)),
  mean: (i, a) => T.mean(i['x']!, a['dim'], opt(a['keepdim'], false)),
  norm: (i, a) => T.norm(i['x']!, opt(a['p'], 2), a['dim'], opt(a['keepdim'], false)),
  std: (i, a) => T.std(i['x']!, a['dim'], opt(a['unbiased'], true), opt(a['keepdim'], false)),
  amax: (i, a) => T.amax(i['x']!, a['dim'], opt(a['keepdim'], false)),
  argmax: (i, a) => T.argmax(i['x']!, a['dim'], opt(a['keepdim'], false)),
  topk: (i, a) => {
    const { values, indices } = T.topk(i['x']!, a['k'], opt(a['dim'], -1), opt(a['largest'], true));
    return [values, indices];
  },
  cast: (i, a) => T.cast(i['x']!, a['dtype']),
  // shape
  cat: (_i, a, list) => T.cat(list, a['dim']),
  stack: (_i, a, list) => T.stack(list, a['dim']),
  split: (i, a) => T.split(i['x']!, a['size'], a['dim']),
  reshape: (i, a) => T.reshape(i['x']!, a['shape']),
  flatten: (i, a) => T.flatten(i['x']!, opt(a['start'], 1), opt(a['end'], -1)),
  transpose: (i, a) => T.transpose(i['x']!, a['d0'], a['d1']),
  permute: (i, a) => T.permute(i['x']!, a['dims']),
  unsqueeze: (i, a) => T.unsqueeze(i['x']!, a['dim']),
  squeeze: (i, a) => T.squeeze(i['x']!, a['dim']),
  expand: (i, a) => T.expand(i['x']!, a['shape']),
  indexSelect: (i, a) => T.indexSelect(i['x']!, a['dim'], i['idx']!),
  slice: (i, a) => T.slice(i['x']!, a['dim'], opt(a['start'], null), opt(a['end'], null), opt(a['step'], 1)),
  narrow: (i, a) => T.narrow(i['x']!, a['dim'], a['start'], a['length']),
  gather: (i, a) => T.gather(i['x']!, a['dim'], i['idx']!),
  pad: (i, a) => T.pad(i['x']!, a['widths'], opt(a['mode'], 'constant'), opt(a['value'], 0)),
  contiguous: (i) => T.contiguous(T.transpose(i['x']!, 0, 1)),
  clone: unary(T.clone),
  detach: unary(T.detach),
  // loss
  crossEntropy: (i, a) => T.crossEntropy(i['logits']!, i['target']!, a),
  klDiv: (i, a) => T.klDiv(i['input']!, i['target']!, a),
  mse: (i, a) => T.mse(i['input']!, i['target']!, a['reduction']),
  // create
  create: (i, a) => create(a, i),
  // inplace (each returns its first argument)
  addInto: (i, a) => T.addInto(i['t']!, i['o']!, a['alpha']),
  mulInto: (i, a) => T.mulInto(i['t']!, a['s']),
  addcmulInto: (i, a) => T.addcmulInto(i['t']!, i['a']!, i['b']!, a['value']),
  addcdivInto: (i, a) => T.addcdivInto(i['t']!, i['a']!, i['b']!, a['value']),
  lerpInto: (i, a) => T.lerpInto(i['t']!, i['o']!, a['w']),
  copyInto: (i) => T.copyInto(i['t']!, i['o']!),
  zeroInto: (i) => T.zeroInto(i['t']!),
  fillInto: (i, a) => T.fillInto(i['t']!, a['v']),
  addScalarInto: (i, a) => T.addScalarInto(i['t']!, a['s']),
};

/** Builds a case's inputs (floats as `floatAs`, default as stored), marking those with grad as requiring it. */
export function makeInputs(c: OpCase, floatAs?: DType): { byName: Inputs; list: Tensor[] } {
  const byName: Inputs = {};
  const list = c.inputs.map((e) => {
    const t = fromEncoded(e, floatAs);
    if (e.grad) t.requiresGrad = true;
    byName[e.name] = t;
    return t;
  });
  return { byName, list };
}

/** Runs a case's op and returns its outputs as a list. */
export function runOp(c: OpCase, inputs: { byName: Inputs; list: Tensor[] }): Tensor[] {
  const fn = OPS[c.op];
  if (!fn) throw new Error(`op table: no entry for fixture op '${c.op}'`);
  const out = fn(inputs.byName, c.args, inputs.list);
  return Array.isArray(out) ? out : [out];
}

/** L = sum_k sum(out_k * w_k) over the outputs the fixture marks differentiable, or null when there is none. */
export function weightedLoss(c: OpCase, outs: Tensor[]): Tensor | null {
  let loss: Tensor | null = null;
  outs.forEach((o, k) => {
    if (!c.outputs[k]?.diff) return;
    const w = T.tensor(outputWeights(o.numel, k), o.shape, o.dtype);
    const term = T.sum(T.mul(o, w));
    loss = loss === null ? term : T.add(loss, term);
  });
  return loss;
}
