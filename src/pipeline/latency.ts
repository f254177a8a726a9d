import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Graph } from '../graph/index.js';
import { toOnnxBytes } from '../onnx/index.js';
import { channelWidths, predictLatency, prune, type LatencyTable, type PruneOptions, type PruneResult } from '../prune/index.js';
import { runtimeNamed, timeAlternating, type RuntimeName, type RuntimeSession, type RuntimeTensor } from '../runtime/index.js';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../util/write-atomic.js';
import { timingFeeds, type FedShape } from './timing-feeds.js';

/** How close a step's measured latency must come to its target (NetAdapt's check after each choice). */
export const LATENCY_TOLERANCE = 0.05;
/** Students a step tries, each timed whole, before it keeps the closest. */
export const LATENCY_TRIES = 8;
/** The run folder's copy of the table, so that a resumed run predicts as the run that measured it. */
export const LATENCY_TABLE_FILE = 'latency-table.json';

/**
 * Times models on the runtime a student ships to: the port the latency metric measures through (tests give a
 * deterministic one). `key` names the runtime and settings, for caching tables.
 */
export interface LatencyMeter {
  readonly key: string;
  /** Median latency of each model in ms, timed side by side. */
  time(models: readonly Graph[]): Promise<number[]>;
}

/**
 * A meter on a runtime of the runtime port: each model at `batch` rows of what `fed` describes (images [C, H, W], or a
 * tensor set's inputs), `threads` intra-op threads.
 */
export function runtimeMeter(runtime: RuntimeName, o: { batch: number; threads: number; fed: FedShape; maxSeconds?: number }): LatencyMeter {
  const rt = runtimeNamed(runtime);
  return {
    key: `${runtime}/batch ${o.batch}/${o.threads} thread${o.threads > 1 ? 's' : ''}`,
    async time(models) {
      const sessions: RuntimeSession[] = [];
      try {
        const jobs: { session: RuntimeSession; feeds: Record<string, RuntimeTensor> }[] = [];
        for (const g of models) {
          const feeds = timingFeeds(g, o.fed, o.batch);
          if (!feeds) throw new ConfigError('metric', `latency: ${runtime} is not fed inputs of ${g.inputs.map((i) => `${i.name} ${i.dtype}`).join(', ')} here`, 'measure params or macs');
          const session = await rt.open(toOnnxBytes(g), { threads: o.threads });
          sessions.push(session);
          jobs.push({ session, feeds });
        }
        return (await timeAlternating(jobs, { maxSeconds: o.maxSeconds ?? 3 })).map((t) => t.medianMs);
      } finally {
        for (const s of sessions) await s.release();
      }
    },
  };
}

const tables = new Map<string, LatencyTable>();

/**
 * A group's latency changes over its widths (ascending, the last its whole width at 0) made non-decreasing, as a model
 * with more channels is never faster: the least-squares monotone fit (pool adjacent violators), shifted so that the
 * whole width stays at 0. Timing noise otherwise shows savings where there are none (onnxruntime's float convolutions
 * compute channels in blocks of 16, so 8 and 16 channels cost the same), and the allocation cuts channels for them.
 */
export function monotoneDeltas(deltaMs: readonly number[]): number[] {
  const blocks: { sum: number; n: number }[] = [];
  for (const d of deltaMs) {
    blocks.push({ sum: d, n: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2]!.sum / blocks[blocks.length - 2]!.n > blocks[blocks.length - 1]!.sum / blocks[blocks.length - 1]!.n) {
      const b = blocks.pop()!;
      blocks[blocks.length - 1]!.sum += b.sum;
      blocks[blocks.length - 1]!.n += b.n;
    }
  }
  const fit = blocks.flatMap((b) => Array.from({ length: b.n }, () => b.sum / b.n));
  const last = fit[fit.length - 1] ?? 0;
  return fit.map((v) => v - last);
}

/**
 * The NetAdapt table of `g` (see prune's LatencyTable): for each channel group, the model with that group alone cut
 * to each multiple of `roundTo` below its width, timed side by side with the whole model (so that the machine's load
 * falls on both), its changes made non-decreasing in the width (monotoneDeltas). Measured once per model, meter and
 * roundTo in a process (cached).
 */
export async function measureLatencyTable(g: Graph, meter: LatencyMeter, o: { roundTo: number; ignore: readonly string[]; onGroup?: (name: string, done: number, of: number) => void }): Promise<LatencyTable> {
  const key = `${createHash('sha256').update(toOnnxBytes(g)).digest('hex')}|${meter.key}|${o.roundTo}|${o.ignore.join(',')}`;
  const cached = tables.get(key);
  if (cached) return cached;
  const widths = Object.entries(channelWidths(g, { ignore: o.ignore }));
  const groups: LatencyTable['groups'] = {};
  const bases: number[] = [];
  for (const [k, [name, total]] of widths.entries()) {
    o.onGroup?.(name, k, widths.length);
    const ws: number[] = [];
    for (let w = o.roundTo; w < total; w += o.roundTo) ws.push(w);
    if (!ws.length) continue;
    const cut = ws.map((w) => prune(g, { widths: { [name]: w }, ignore: o.ignore }).graph);
    try {
      const [base, ...times] = await meter.time([g, ...cut]);
      bases.push(base!);
      groups[name] = { widths: [...ws, total], deltaMs: monotoneDeltas([...times.map((t) => t - base!), 0]) };
    } finally {
      for (const c of cut) c.dispose();
    }
  }
  const baseMs = bases.length ? [...bases].sort((a, b) => a - b)[Math.floor(bases.length / 2)]! : (await meter.time([g]))[0]!;
  const table = { baseMs, groups };
  tables.set(key, table);
  return table;
}

export async function saveLatencyTable(out: string, t: LatencyTable & { meter: string }): Promise<void> {
  await writeFileAtomic(join(out, LATENCY_TABLE_FILE), JSON.stringify(t, null, 2) + '\n');
}

export async function readLatencyTable(out: string): Promise<LatencyTable> {
  return JSON.parse(await readFile(join(out, LATENCY_TABLE_FILE), 'utf8')) as LatencyTable;
}

/** The smallest student the constraints allow (every group at its fewest channels: roundTo, or all when fewer), timed. */
export async function smallestLatency(g: Graph, meter: LatencyMeter, o: { roundTo: number; ignore: readonly string[] }): Promise<number> {
  const widths = Object.fromEntries(Object.entries(channelWidths(g, { ignore: o.ignore })).map(([n, w]) => [n, Math.min(w, o.roundTo)]));
  const small = prune(g, { widths, ignore: o.ignore }).graph;
  try {
    return (await meter.time([small]))[0]!;
  } finally {
    small.dispose();
  }
}

/** The student's time side by side with the reference's, in the time frame where the reference takes `baseMs`. */
async function scaled(meter: LatencyMeter, reference: Graph, student: Graph, baseMs: number): Promise<number> {
  const [ref, ms] = await meter.time([reference, student]);
  return (ms! * baseMs) / ref!;
}

/** A cut to a latency: the pruner's result, the latency asked for and the one measured, and the students tried. */
export type LatencyCut = { result: PruneResult; requestedMs: number; measuredMs: number; tries: number };

/**
 * Prunes `g` to `targetMs` on the meter's runtime: the allocation chosen against the table, the student timed whole,
 * and the target given to the allocation corrected until the student is within LATENCY_TOLERANCE of it: scaled by
 * target/measured until one student is too slow and one too fast, then bisected between them (the table's sum of
 * independent changes is off by a factor that varies with the widths). At most LATENCY_TRIES students; the closest
 * is kept. With `reference` (the model the table was measured on), each student is timed side by side with it and
 * its time scaled by baseMs / the reference's time now: a machine whose load changed since the table was measured
 * changes both alike, so the student is judged in the table's time frame.
 */
export async function pruneToLatency(g: Graph, o: Omit<PruneOptions, 'ratio' | 'widths'>, table: LatencyTable, targetMs: number, meter: LatencyMeter, reference?: Graph): Promise<LatencyCut> {
  const current = predictLatency(g, table, { ignore: o.ignore ?? [] });
  let goal = targetMs;
  let best: { result: PruneResult; ms: number } | null = null;
  let tries = 0;
  let fast: number | null = null;
  let slow: number | null = null;
  try {
    for (; tries < LATENCY_TRIES; tries++) {
      let r: PruneResult;
      try {
        const { minWidths: _m, ratio: _r, widths: _w, ...rest } = o as Omit<PruneOptions, 'ratio' | 'widths'> & { ratio?: number; widths?: unknown };
        r = prune(g, { ...rest, metric: 'latency', latency: table, ratio: Math.min(1, goal / current), tolerance: Math.min(0.5, Math.max(0.01, o.tolerance ?? 0.02)) });
      } catch (e) {
        if (best && e instanceof ConfigError) break;
        throw e;
      }
      const ms = reference ? await scaled(meter, reference, r.graph, table.baseMs) : (await meter.time([r.graph]))[0]!;
      if (!best || Math.abs(ms - targetMs) < Math.abs(best.ms - targetMs)) {
        best?.result.graph.dispose();
        best = { result: r, ms };
      } else {
        r.graph.dispose();
      }
      if (Math.abs(ms - targetMs) <= LATENCY_TOLERANCE * targetMs) {
        tries++;
        break;
      }
      if (ms > targetMs) slow = goal;
      else fast = goal;
      goal = fast !== null && slow !== null ? Math.sqrt(fast * slow) : goal * targetMs / ms;
    }
  } catch (e) {
    best?.result.graph.dispose();
    throw e;
  }
  return { result: best!.result, requestedMs: targetMs, measuredMs: best!.ms, tries };
}
