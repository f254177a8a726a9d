import type { ProfiledNode } from './runtime.js';

type TraceEvent = { cat?: string; name?: string; dur?: number; args?: { op_name?: string } };

/**
 * The node executions of an onnxruntime profiler trace (Chrome trace JSON: an array of events). Each node run is a
 * 'Node' event named '<node>_kernel_time' with its op type in args.op_name and its duration in microseconds.
 */
export function readTrace(json: string): ProfiledNode[] {
  let events: unknown;
  try {
    events = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(events)) return [];
  return (events as TraceEvent[]).flatMap((e) => {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || typeof e.dur !== 'number' || !e.args?.op_name) return [];
    return [{ opType: e.args.op_name, node: e.name.slice(0, -'_kernel_time'.length), micros: e.dur }];
  });
}

/** Microseconds per run by op type, largest first, over `runs` profiled runs. */
export function byOpType(nodes: readonly ProfiledNode[], runs: number): { opType: string; micros: number; count: number }[] {
  const m = new Map<string, { micros: number; count: number }>();
  for (const n of nodes) {
    const e = m.get(n.opType) ?? { micros: 0, count: 0 };
    e.micros += n.micros;
    e.count += 1;
    m.set(n.opType, e);
  }
  return [...m].map(([opType, e]) => ({ opType, micros: e.micros / runs, count: Math.round(e.count / runs) })).sort((a, b) => b.micros - a.micros);
}
