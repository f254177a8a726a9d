import { ConfigError } from '../errors.js';
import type { Graph } from '../graph/index.js';
import { prune as pruneGraph, type Batch, type PruneResult } from '../prune/index.js';
import { asWidthsOf, widthsOf } from '../pipeline/widths-of.js';
import { measureLatencyTable, pruneToLatency, runtimeMeter } from '../pipeline/latency.js';
import { BatchLoader } from '../data/index.js';
import { batchOnDevice } from '../distill/index.js';
import { checkModelFits } from '../pipeline/evaluate-model.js';
import { openFor } from '../pipeline/normalization.js';
import { refuseQuantized } from '../pipeline/quantize.js';
import { datasetOptions } from '../pipeline/dataset-options.js';
import { apiNaming, checkOptions, pruneSpec, type CheckedPruneOptions, type PruneApiOptions } from '../options/index.js';

/** What prune() returns; `model` is new, and the caller disposes it. `groups` has kept and total channels of every
 * prunable group, `untouched` the nodes pruning left as they were, with why, `untied` the initializers that layers
 * with different channels shared in the file (each got its own copy, counted in `params.before`). */
export type PruneOutcome = Pick<PruneResult, 'params' | 'macs' | 'achievedRatio' | 'metric' | 'criterion' | 'groups' | 'untouched' | 'untied'> & {
  model: Graph;
  /** With metric 'latency': the model's latency before, the latency asked for (ratio of it) and the pruned model's, ms, on `runtime`. */
  latency?: { runtime: string; beforeMs: number; requestedMs: number; measuredMs: number };
};

/** A few training batches for the taylor or activation criterion, from a dataset spec or an open Dataset. */
async function dataBatches(g: Graph, o: CheckedPruneOptions): Promise<() => Iterable<Batch>> {
  if (o.data === undefined) throw new ConfigError('criterion', `${o.criterion} needs data: add data (--data SPEC, e.g. mnist)`);
  const ds = await openFor(g, o.data, datasetOptions({ seed: o.seed, imageSize: o.imageSize, channels: o.channels }), o);
  checkModelFits(g, ds);
  const loader = BatchLoader.of(ds, 'train', { batchSize: o.batchSize, seed: o.seed, augment: null });
  const n = Math.min(o.criterion === 'activation' ? o.calibrationBatches : o.batches, loader.batchesPerEpoch);
  return function* () {
    for (let i = 0; i < n; i++) yield batchOnDevice(loader.batchAt(0, i), 'cpu');
  };
}

/** The image shape [C, H, W] a model's first input takes, for timing it (latency needs it fixed in the file). */
function imageOf(g: Graph): number[] {
  const dims = g.inputs[0]?.shape?.slice(1) ?? [];
  if (dims.length !== 3 || !dims.every((d): d is number => typeof d === 'number' && d > 0)) {
    throw new ConfigError('metric', `latency times the model on images of its input's shape, and input '${g.inputs[0]?.name ?? '?'}' has shape [${(g.inputs[0]?.shape ?? []).join(', ')}]`, 'give a model whose input is [N, C, H, W] with fixed C, H and W');
  }
  return dims;
}

/**
 * Removes whole channels so that the model has `ratio` of its size in `metric` (params, MACs, or latency measured on
 * a runtime), or the channel
 * widths of another model of its architecture (`widthsOf`): a dense, smaller model that runs anywhere. Channels that must go together (residual adds, concatenations) go together. The input
 * model is left unchanged.
 *
 * @example const { model: small, achievedRatio } = await prune(model, { ratio: 0.5, metric: 'macs' });
 */
export async function prune(model: Graph, options: PruneApiOptions): Promise<PruneOutcome> {
  const o = checkOptions(pruneSpec, options, apiNaming);
  refuseQuantized(model, 'model', 'prune');
  if (o.global && o.uniform) throw new ConfigError('uniform', 'cannot be combined with global');
  if (o.ratio === undefined && o.widthsOf === undefined) throw new ConfigError('ratio', 'is required, unless the widths of another model are given', 'the ratio is the fraction of the model to keep, e.g. 0.5; or name a model of the same architecture whose channel widths to keep (widthsOf, --widths-of)');
  if (o.ratio !== undefined && o.widthsOf !== undefined) throw new ConfigError('widthsOf', 'cannot be combined with ratio', 'give either the ratio to solve for or the model whose widths to keep');
  const batches = o.criterion === 'taylor' || o.criterion === 'activation' ? await dataBatches(model, o) : undefined;
  const shared = {
    criterion: o.criterion,
    global: o.uniform !== true,
    roundTo: o.roundTo ?? (o.metric === 'latency' && o.widthsOf === undefined ? 8 : 1),
    minChannels: o.minChannels,
    ignore: o.ignore ?? [],
    ...(o.attention ? { attention: o.attention } : {}),
    pruneEmbedding: o.pruneEmbedding === 'on',
    reduction: o.reduction,
    seed: o.seed,
    ...(batches ? { batches } : {}),
  };
  if (o.metric === 'latency' && o.widthsOf === undefined) {
    const meter = runtimeMeter(o.runtime, { batch: o.latencyBatch, threads: o.latencyThreads, fed: { shape: imageOf(model), inputs: [] } });
    const table = await measureLatencyTable(model, meter, { roundTo: shared.roundTo, ignore: shared.ignore });
    const cut = await pruneToLatency(model, shared, table, o.ratio! * table.baseMs, meter, model);
    const r = cut.result;
    return {
      model: r.graph, params: r.params, macs: r.macs, achievedRatio: cut.measuredMs / table.baseMs, metric: r.metric, criterion: r.criterion, groups: r.groups, untouched: r.untouched, untied: r.untied,
      latency: { runtime: meter.key, beforeMs: table.baseMs, requestedMs: cut.requestedMs, measuredMs: cut.measuredMs },
    };
  }
  const r = asWidthsOf(() => pruneGraph(model, {
    ...(o.widthsOf !== undefined ? { widths: widthsOf(o.widthsOf, { ignore: o.ignore ?? [], ...(o.attention ? { attention: o.attention } : {}), pruneEmbedding: o.pruneEmbedding === 'on' }) } : { ratio: o.ratio! }),
    metric: o.metric === 'latency' ? 'params' : o.metric,
    ...shared,
  }));
  return { model: r.graph, params: r.params, macs: r.macs, achievedRatio: r.achievedRatio, metric: r.metric, criterion: r.criterion, groups: r.groups, untouched: r.untouched, untied: r.untied };
}
