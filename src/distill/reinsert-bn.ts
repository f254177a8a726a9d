import { add, cast, div, keep, mul, noGrad, relu, sub, sum, tidy, type Tensor } from '../tensor/index.js';
import { bareConvs, insertBatchNorm, insertFreshBatchNorm, reduceAxes, type ChannelStats, type Graph, type Node } from '../graph/index.js';
import { inputTensors, modelFeeds, runGraph, type ModelInput } from '../exec/index.js';
import type { Dataset } from '../data/index.js';
import { sampleTrainBatches } from './sample-batches.js';

/** `auto`: only when (almost) no conv is followed by normalisation; `on`: after every bare conv; `off`: never. */
export type ReinsertBnMode = 'auto' | 'on' | 'off';
/** The values of --reinsert-bn. */
export const REINSERT_BN_MODES = ['auto', 'on', 'off'] as const;

/** `auto` treats a graph as folded when at most this share of its convs is followed by normalisation. */
const AUTO_MAX_NORMALISED = 0.25;

/**
 * The convs that would get a BatchNorm under `mode`. A conv on globally pooled features (a squeeze-excite gate's, a
 * head after global pooling) gets none: networks put no BatchNorm there, and one would make each image's gate depend
 * on the rest of its batch.
 */
export function convsToNormalise(g: Graph, mode: ReinsertBnMode): Node[] {
  if (mode === 'off') return [];
  const pooled = convsOnPooled(g);
  const bare = bareConvs(g).filter((n) => !pooled.has(n));
  if (mode === 'on') return bare;
  const convs = g.nodes.filter((n) => n.opType === 'Conv' && !pooled.has(n)).length;
  return convs > 0 && (convs - bare.length) / convs <= AUTO_MAX_NORMALISED ? bare : [];
}

/** Ops that pool over every spatial position (ReduceMean and ReduceMax when their axes are the spatial ones). */
const GLOBAL_POOLS = new Set(['GlobalAveragePool', 'GlobalMaxPool']);
const REDUCE_POOLS = new Set(['ReduceMean', 'ReduceMax']);
/** One-input ops that keep a pooled value pooled. */
const ACTIVATIONS = new Set(['Relu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'LeakyRelu', 'Tanh', 'Elu', 'Selu', 'Softplus', 'Identity']);

function reducesSpatial(g: Graph, n: Node): boolean {
  const axes = reduceAxes(g, n, 4);
  return axes !== null && axes.length === 2 && axes.includes(2) && axes.includes(3);
}

/** Convs whose input is globally pooled features, directly or through activations and other such convs. */
function convsOnPooled(g: Graph): Set<Node> {
  const pooled = new Set<string>();
  const convs = new Set<Node>();
  for (const n of g.nodes) {
    const x = n.inputs[0] ?? '';
    const out = n.outputs[0]!;
    if (GLOBAL_POOLS.has(n.opType) || (REDUCE_POOLS.has(n.opType) && reducesSpatial(g, n))) pooled.add(out);
    else if (ACTIVATIONS.has(n.opType) && pooled.has(x)) pooled.add(out);
    else if (n.opType === 'Conv' && pooled.has(x)) {
      pooled.add(out);
      convs.add(n);
    }
  }
  return convs;
}

/**
 * Per-channel mean and biased variance of each conv's output over the given batches, in eval mode, accumulated in
 * float64. The caller disposes the tensors.
 */
export function measureChannelStats(g: Graph, convs: readonly Node[], batches: readonly ModelInput[]): Map<string, ChannelStats> {
  const outs = convs.map((c) => c.outputs[0]!);
  const acc = new Map<string, { s: Tensor; q: Tensor; n: number }>();
  noGrad(() => {
    for (const x of batches) {
      tidy(() => {
        const v = runGraph(g, modelFeeds(g, x), { training: false, extraOutputs: outs });
        for (const name of outs) {
          const t = cast(v[name]!, 'float64');
          const dims = [0, ...Array.from({ length: t.rank - 2 }, (_, i) => i + 2)];
          const s = sum(t, dims);
          const q = sum(mul(t, t), dims);
          const prev = acc.get(name);
          const n = t.numel / t.shape[1]!;
          acc.set(name, prev ? { s: keep(add(prev.s, s)), q: keep(add(prev.q, q)), n: prev.n + n } : { s: keep(s), q: keep(q), n });
          if (prev) (prev.s.dispose(), prev.q.dispose());
        }
      });
    }
  });
  const stats = new Map<string, ChannelStats>();
  convs.forEach((c, i) => {
    const a = acc.get(outs[i]!)!;
    stats.set(c.name, noGrad(() => tidy(() => {
      const mean = div(a.s, a.n);
      // E[x^2] - E[x]^2 in float64, clamped at 0 against rounding
      const variance = relu(sub(div(a.q, a.n), mul(mean, mean)));
      return { mean: keep(cast(mean, 'float32')), variance: keep(cast(variance, 'float32')) };
    })));
    a.s.dispose();
    a.q.dispose();
  });
  return stats;
}

export type ReinsertBnOptions = { device: string; seed: number; batches?: number; batchSize?: number };

/**
 * Re-inserts BatchNorm after the graph's bare convs (per `mode`), initialised from the statistics of a few training
 * batches so that the function is unchanged (see insertBatchNorm). Returns the inserted nodes' names, for
 * foldBatchNorm before export; empty when nothing was inserted.
 */
export function reinsertBatchNorm(g: Graph, ds: Dataset, mode: ReinsertBnMode, o: ReinsertBnOptions): string[] {
  const convs = convsToNormalise(g, mode);
  if (convs.length === 0) return [];
  const batches = sampleTrainBatches(ds, { count: o.batches ?? 4, batchSize: o.batchSize ?? 128, seed: o.seed, device: o.device });
  try {
    const stats = measureChannelStats(g, convs, batches);
    try {
      return insertBatchNorm(g, stats);
    } finally {
      for (const s of stats.values()) (s.mean.dispose(), s.variance.dispose());
    }
  } finally {
    for (const t of batches.flatMap(inputTensors)) t.dispose();
  }
}

/**
 * Inserts BatchNorm after the graph's bare convs (per `mode`) as a new PyTorch BatchNorm2d starts (scale 1, bias 0,
 * running mean 0, variance 1): for a network trained from scratch, where keeping its initial function is pointless.
 * Returns the inserted nodes' names, for foldBatchNorm before export.
 */
export function reinsertFreshBatchNorm(g: Graph, mode: ReinsertBnMode): string[] {
  return insertFreshBatchNorm(g, convsToNormalise(g, mode).map((c) => c.name));
}
