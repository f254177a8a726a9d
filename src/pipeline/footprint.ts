import * as ort from 'onnxruntime-node';
import type { Graph } from '../graph/index.js';
import { runtimeNamed, timeAlternating, type RuntimeSession, type RuntimeTensor } from '../runtime/index.js';
import type { Footprints } from '../report/types.js';
import { timingFeeds, type FedShape } from './timing-feeds.js';

/** A model to time: its graph (for its input's shape and type) and the bytes of its ONNX file. */
export type TimedModel = { graph: Graph; bytes: Uint8Array };

const THREADS = 1;

async function sessionFor(m: TimedModel, fed: FedShape): Promise<{ session: RuntimeSession; feeds: Record<string, RuntimeTensor> } | null> {
  let session: RuntimeSession | undefined;
  try {
    const feeds = timingFeeds(m.graph, fed);
    if (!feeds) return null;
    session = await runtimeNamed('onnxruntime-node').open(m.bytes, { threads: THREADS });
    await session.run(feeds);
    return { session, feeds };
  } catch {
    // a model onnxruntime cannot load or run has no latency to report; the run itself is not at fault
    await session?.release();
    return null;
  }
}

/**
 * File sizes, and median batch-1 latencies in onnxruntime-node (one intra-op thread, so that a busy machine's
 * spare cores do not decide the ratio), of the teacher and the student on the dataset's images or inputs, timed side
 * by side by the runtime port's timeAlternating for about `budgetMs`; with `int8`, the int8 student too.
 */
export async function measureFootprints(teacher: TimedModel, student: TimedModel, fed: FedShape, budgetMs = 300, int8: TimedModel | null = null): Promise<Footprints> {
  const models = [await sessionFor(teacher, fed), await sessionFor(student, fed), ...(int8 ? [await sessionFor(int8, fed)] : [])];
  const latencies: (number | null)[] = models.map(() => null);
  let runs = 0;
  try {
    const live = models.flatMap((m, i) => (m ? [{ ...m, i }] : []));
    const timings = live.length ? await timeAlternating(live, { maxSeconds: budgetMs / 1000 }) : [];
    for (const [k, t] of timings.entries()) {
      latencies[live[k]!.i] = t.medianMs;
      runs = Math.max(runs, t.runs);
    }
  } finally {
    for (const m of models) await m?.session.release();
  }
  return {
    runtime: `onnxruntime-node ${ort.env.versions.node ?? ''}`.trim(), threads: THREADS, batch: 1, runs,
    teacher: { bytes: teacher.bytes.length, latencyMs: latencies[0]! },
    student: { bytes: student.bytes.length, latencyMs: latencies[1]! },
    ...(int8 ? { int8: { bytes: int8.bytes.length, latencyMs: latencies[2]! } } : {}),
  };
}
