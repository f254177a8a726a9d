import { ConfigError } from '../errors.js';
import type { Graph } from '../graph/index.js';
import { loadOnnx } from '../onnx/index.js';
import { channelWidths } from '../prune/index.js';

/** The channel widths of a model by group name (a file is loaded, read and freed): what the widthsOf option gives. */
export function widthsOf(m: Graph | string, ignore: readonly string[]): Record<string, number> {
  const g = typeof m === 'string' ? loadOnnx(m) : m;
  try {
    return channelWidths(g, { ignore });
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
