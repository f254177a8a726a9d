import type { Graph } from '../graph/index.js';
import type { Dataset, Split } from '../data/index.js';
import { evaluateGraph, type Evaluation } from './evaluate.js';
import type { DataParallel } from './data-parallel.js';

/**
 * evaluateGraph, shared out in a data-parallel run: each rank evaluates its share of the split's batches (whole
 * batches, as one process builds them) and the sums are reduced, so every rank gets the whole split's figures. Without `parallel` it is evaluateGraph.
 */
export async function evaluateShared(g: Graph, ds: Dataset, split: Split['name'], device: string, parallel?: DataParallel, onBatch?: (done: number, of: number) => void): Promise<Evaluation> {
  const progress = onBatch ? { onBatch } : {};
  if (!parallel) return evaluateGraph(g, ds, split, { device, ...progress });
  const e = await evaluateGraph(g, ds, split, { device, shard: { rank: parallel.rank, worldSize: parallel.worldSize }, ...progress });
  const [correct, lossSum, count] = parallel.sum([Math.round(e.accuracy * e.count), e.loss * e.count, e.count]);
  return count ? { accuracy: correct! / count, loss: lossSum! / count, count: count! } : { accuracy: 0, loss: 0, count: 0 };
}
