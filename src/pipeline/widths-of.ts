import { ConfigError } from '../errors.js';
import type { Graph } from '../graph/index.js';
import { loadOnnx } from '../onnx/index.js';
import { channelWidths, prune, type AnalyzeOptions, type PruneOptions, type PruneTarget } from '../prune/index.js';
import type { RunConfig } from './run-config.js';

/** What a run's analysis of its students takes: the ignored nodes, the attention mode, the embedding on or off. */
export function analysisOf(c: Pick<RunConfig, 'ignore' | 'attention' | 'pruneEmbedding'>): AnalyzeOptions {
  return { ignore: c.ignore, ...(c.attention ? { attention: c.attention } : {}), ...(c.pruneEmbedding === 'off' ? { pruneEmbedding: false } : {}) };
}

/** The channel widths of a model by group name (a file is loaded, read and freed): what the widthsOf option gives. */
export function widthsOf(m: Graph | string, analysis: AnalyzeOptions): Record<string, number> {
  const g = typeof m === 'string' ? loadOnnx(m) : m;
  try {
    return channelWidths(g, analysis);
  } finally {
    if (typeof m === 'string') g.dispose();
  }
}

/** Runs f, reporting a problem with the pruner's `widths` as one of the widthsOf option, where they came from. */
export function asWidthsOf<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ConfigError && e.path === 'widths') throw new ConfigError('widthsOf', `does not fit: ${e.reason}`, e.hint);
    throw e;
  }
}

/** What step `i` (0-based) prunes to: its ratio, or with widths the widths at the last step and, before, its ratio keeping at least them. */
function stepTarget(c: Pick<RunConfig, 'plan' | 'widths'>, i: number): PruneTarget & { minWidths?: Readonly<Record<string, number>> } {
  if (!c.widths) return { ratio: c.plan[i]! };
  return i === c.plan.length - 1 ? { widths: c.widths } : { ratio: c.plan[i]!, minWidths: c.widths };
}

/**
 * The pruner's options for step `i` (0-based) of a run, but for its importance (criterion, seed, data): the target,
 * the allocation, and with uniformOf 'first' the first student's widths (`first`; null at the first step).
 */
export function stepPruneOptions(c: RunConfig, i: number, first: Readonly<Record<string, number>> | null): PruneOptions {
  return {
    ...stepTarget(c, i), metric: c.metric, global: c.allocation === 'global', roundTo: c.roundTo, ...analysisOf(c),
    ...(c.allocation === 'uniform' && c.uniformOf === 'first' && first ? { referenceWidths: first } : {}),
  };
}

/**
 * Before a run with widths and several steps: cuts `g` (the first student) through every step but the last as the
 * run will, to tell at once, not hours in, when a step's ratio cannot be reached while keeping the widths.
 */
export function checkStepsReachWidths(g: Graph, c: RunConfig): void {
  if (!c.widths || c.plan.length < 2) return;
  const first = channelWidths(g, analysisOf(c));
  let cur = g;
  try {
    for (let i = 0; i < c.plan.length - 1; i++) {
      let next: Graph;
      try {
        next = prune(cur, stepPruneOptions(c, i, i > 0 ? first : null)).graph;
      } catch (e) {
        if (e instanceof ConfigError && e.path === 'ratio') {
          throw new ConfigError('widthsOf', `does not fit step ${i + 1} of ${c.plan.length}: keeping at least these widths, ${e.reason}`, 'give ratios whose product is nearer the size of the widths, fewer steps, or other widths');
        }
        throw e;
      }
      if (cur !== g) cur.dispose();
      cur = next;
    }
  } finally {
    if (cur !== g) cur.dispose();
  }
}
