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

/**
 * Microseconds per run by op type, largest first: each node's median over the runs profiled (so that a stall of the
 * machine in one run does not count), summed over the nodes of each op type.
 */
export function byOpType(nodes: readonly ProfiledNode[]): { opType: string; micros: number; count: number }[] {
  const perNode = new Map<string, { opType: string; times: number[] }>();
  for (const n of nodes) {
    const e = perNode.get(n.node) ?? { opType: n.opType, times: [] };
    e.times.push(n.micros);
    perNode.set(n.node, e);
  }
  const m = new Map<string, { micros: number; count: number }>();
  for (const { opType, times } of perNode.values()) {
    times.sort((a, b) => a - b);
    const e = m.get(opType) ?? { micros: 0, count: 0 };
    e.micros += times[Math.floor(times.length / 2)]!;
    e.count += 1;
    m.set(opType, e);
  }
  return [...m].map(([opType, e]) => ({ opType, ...e })).sort((a, b) => b.micros - a.micros);
}
