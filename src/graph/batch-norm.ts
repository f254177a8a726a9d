import { add, contiguous, detach, div, keep, mul, noGrad, ones, reshape, sqrt, sub, tidy, zeros, type Tensor } from '../tensor/index.js';
import { attrFloat, float } from './attrs.js';
import { GraphError, type Graph } from './graph.js';
import type { Node } from './ir.js';

/** Op types that count as normalisation right after a convolution. */
const NORMS = new Set(['BatchNormalization', 'InstanceNormalization', 'LayerNormalization', 'GroupNormalization']);

/** Inputs that hold running statistics (BatchNorm's mean and variance), by op type: buffers that training updates
 * outside the optimizer. */
export const STATISTIC_INPUTS: Readonly<Record<string, readonly number[]>> = { BatchNormalization: [3, 4] };

/** Whether input `slot` of `n` is a running statistic. */
export const isRunningStatistic = (n: Node, slot: number): boolean => STATISTIC_INPUTS[n.opType]?.includes(slot) ?? false;

/** Suffix of the value a convolution writes once a BatchNormalization is inserted after it (the BN takes over its old name). */
export const PRE_BN_SUFFIX = '.pre_bn';

/**
 * The Conv nodes whose output no normalisation reads, in graph order: where BatchNorm was folded away (as
 * `torch.onnx.export` in eval mode does) or never was. A conv whose output also feeds something else is still bare.
 */
export function bareConvs(g: Graph): Node[] {
  const consumers = g.consumers();
  return g.nodes.filter((n) => n.opType === 'Conv' && n.domain === '' && !(consumers.get(n.outputs[0]!) ?? []).some((c) => NORMS.has(c.opType)));
}

/** Per-channel statistics of one convolution's output: mean and (biased) variance, each [C]. */
export type ChannelStats = { mean: Tensor; variance: Tensor };

function freshName(g: Graph, base: string): string {
  const taken = new Set([...g.initializers.keys(), ...g.nodes.flatMap((n) => [n.name, ...n.outputs]), ...g.inputs.map((i) => i.name)]);
  let name = base;
  for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
  return name;
}

/**
 * Inserts a BatchNormalization after each named Conv, initialised from `stats` so that the function is unchanged:
 * scale = sqrt(var + eps), bias = mean, running mean and variance = mean and var. In eval mode the BN is then exactly
 * the identity; in training mode it normalises with the batch's statistics, which for batches like those measured is
 * close to the identity too. The BN takes over the conv's output name (consumers and graph outputs are untouched);
 * the conv now writes `<name>.pre_bn`. Modifies `g` in place and returns the names of the inserted nodes. The stats
 * tensors are copied, not taken.
 */
export function insertBatchNorm(g: Graph, stats: ReadonlyMap<string, ChannelStats>, eps = 1e-5): string[] {
  return [...stats].map(([convName, s]) => insertAfter(g, convName, eps, () => [sqrt(add(s.variance, eps)), mul(s.mean, 1), mul(s.mean, 1), mul(s.variance, 1)]));
}

/**
 * Inserts a BatchNormalization after each named Conv as PyTorch initialises a new BatchNorm2d: scale 1, bias 0,
 * running mean 0 and variance 1 (for a network trained from scratch). Otherwise as insertBatchNorm.
 */
export function insertFreshBatchNorm(g: Graph, convNames: readonly string[], eps = 1e-5): string[] {
  return convNames.map((convName) => insertAfter(g, convName, eps, (c) => [ones([c]), zeros([c]), zeros([c]), ones([c])]));
}

/** Inserts one BN after `convName` with [scale, bias, running mean, running variance] made by `init(channels)`. */
function insertAfter(g: Graph, convName: string, eps: number, init: (channels: number) => Tensor[]): string {
  const at = g.nodes.findIndex((n) => n.name === convName);
  const conv = g.nodes[at];
  if (!conv || conv.opType !== 'Conv') throw new GraphError(`insertBatchNorm: no Conv node named '${convName}'`, undefined, convName);
  const out = conv.outputs[0]!;
  const bnName = freshName(g, `${conv.name}.bn`);
  const pre = freshName(g, `${out}${PRE_BN_SUFFIX}`);
  const names = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => freshName(g, `${bnName}.${p}`));
  const channels = g.initializers.get(conv.inputs[1]!)?.tensor.shape[0];
  if (channels === undefined) throw new GraphError(`insertBatchNorm: the weight of Conv '${convName}' is not an initializer`, undefined, convName);
  const [scale, shift, mean, variance] = noGrad(() => tidy(() => init(channels).map((t) => keep(contiguous(detach(t))))));
  scale!.requiresGrad = true;
  shift!.requiresGrad = true;
  g.initializers.set(names[0]!, { tensor: scale!, kind: 'param' });
  g.initializers.set(names[1]!, { tensor: shift!, kind: 'param' });
  g.initializers.set(names[2]!, { tensor: mean!, kind: 'buffer' });
  g.initializers.set(names[3]!, { tensor: variance!, kind: 'buffer' });
  g.nodes[at] = { ...conv, outputs: [pre, ...conv.outputs.slice(1)] };
  g.nodes.splice(at + 1, 0, { name: bnName, opType: 'BatchNormalization', domain: '', inputs: [pre, ...names], outputs: [out], attrs: { epsilon: float(eps), momentum: float(0.9) } });
  const info = g.valueInfo.get(out);
  if (info) g.valueInfo.set(pre, { ...info, name: pre });
  return bnName;
}

/** The BatchNormalizations that foldBatchNorm can fold: each directly after a Conv whose output only it reads. */
export function foldableBatchNorms(g: Graph): string[] {
  const producers = g.producers();
  const consumers = g.consumers();
  const outputs = new Set(g.outputs.map((o) => o.name));
  return g.nodes.filter((n) => n.opType === 'BatchNormalization' && !n.outputs.slice(1).some((o) => o) && producers.get(n.inputs[0]!)?.opType === 'Conv'
    && consumers.get(n.inputs[0]!)?.length === 1 && !outputs.has(n.inputs[0]!)).map((n) => n.name);
}

/** The BatchNormalizations insertBatchNorm added (their input is a conv's `<name>.pre_bn`), e.g. in a checkpointed graph. */
export function insertedBatchNorms(g: Graph): string[] {
  const producers = g.producers();
  return g.nodes.filter((n) => n.opType === 'BatchNormalization' && n.inputs[0]!.endsWith(PRE_BN_SUFFIX) && producers.get(n.inputs[0]!)?.opType === 'Conv').map((n) => n.name);
}

/**
 * Folds each named BatchNormalization into the Conv that feeds it (as PyTorch's fuse_conv_bn_eval does):
 * w' = w * s, b' = (b - mean) * s + beta with s = gamma / sqrt(var + eps) per output channel. The conv takes the
 * BN's output name back and the BN's tensors are dropped. The result equals the BN model in eval mode. Throws when a
 * named BN does not directly follow a conv whose output only it reads. Modifies `g` in place.
 */
export function foldBatchNorm(g: Graph, bnNames: readonly string[]): void {
  for (const bnName of bnNames) {
    const at = g.nodes.findIndex((n) => n.name === bnName);
    const bn = g.nodes[at];
    if (!bn || bn.opType !== 'BatchNormalization') throw new GraphError(`foldBatchNorm: no BatchNormalization named '${bnName}'`, undefined, bnName);
    const convAt = g.nodes.findIndex((n) => n.outputs[0] === bn.inputs[0]);
    const conv = g.nodes[convAt];
    const readers = g.consumers().get(bn.inputs[0]!) ?? [];
    if (!conv || conv.opType !== 'Conv' || readers.length !== 1 || g.outputs.some((o) => o.name === bn.inputs[0]) || bn.outputs.slice(1).some((o) => o)) {
      throw new GraphError(`foldBatchNorm: '${bnName}' does not directly follow a Conv whose output only it reads`, undefined, bnName);
    }
    const tensorOf = (name: string): Tensor => g.initializers.get(name)!.tensor;
    const [gamma, beta, mean, variance] = bn.inputs.slice(1, 5).map(tensorOf) as [Tensor, Tensor, Tensor, Tensor];
    const eps = attrFloat(bn, 'epsilon', 1e-5);
    const w = tensorOf(conv.inputs[1]!);
    const hasBias = !!conv.inputs[2];
    const [w2, b2] = noGrad(() => tidy(() => {
      const s = div(gamma, sqrt(add(variance, eps)));
      const b = hasBias ? tensorOf(conv.inputs[2]!) : zeros(s.shape);
      return [
        keep(contiguous(mul(w, reshape(s, [-1, ...w.shape.slice(1).map(() => 1)])))),
        keep(contiguous(add(mul(sub(b, mean), s), beta))),
      ];
    }));
    g.setTensor(conv.inputs[1]!, w2!);
    let biasName = conv.inputs[2];
    if (biasName) g.setTensor(biasName, b2!);
    else {
      biasName = freshName(g, `${conv.name}.bias`);
      const kind = g.initializers.get(conv.inputs[1]!)!.kind;
      if (kind === 'param') b2!.requiresGrad = true;
      g.initializers.set(biasName, { tensor: b2!, kind });
    }
    g.valueInfo.delete(conv.outputs[0]!);
    g.nodes[convAt] = { ...conv, inputs: [conv.inputs[0]!, conv.inputs[1]!, biasName], outputs: [bn.outputs[0]!, ...conv.outputs.slice(1)] };
    g.nodes.splice(g.nodes.indexOf(bn), 1);
    const stillUsed = new Set(g.nodes.flatMap((n) => n.inputs));
    for (const name of bn.inputs.slice(1)) {
      if (!name || stillUsed.has(name)) continue;
      g.initializers.get(name)?.tensor.dispose();
      g.initializers.delete(name);
    }
  }
}
