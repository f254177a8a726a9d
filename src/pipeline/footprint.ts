import * as ort from 'onnxruntime-node';
import type { Graph } from '../graph/index.js';
import { imageInputShape } from '../exec/index.js';
import type { Footprints } from '../report/types.js';

/** A model to time: its graph (for its input's shape and type) and the bytes of its ONNX file. */
export type TimedModel = { graph: Graph; bytes: Uint8Array };

const THREADS = 1;
const WARMUP = 3;
const MIN_RUNS = 11;
const MAX_RUNS = 2000;

async function sessionFor(m: TimedModel, image: readonly number[]): Promise<{ session: ort.InferenceSession; feeds: Record<string, ort.Tensor> } | null> {
  try {
    const session = await ort.InferenceSession.create(m.bytes, { intraOpNumThreads: THREADS, interOpNumThreads: 1 });
    const shape = imageInputShape(m.graph, image);
    const n = shape.reduce((a, b) => a * b, 1);
    const x = m.graph.inputs[0]?.dtype === 'uint8' ? new ort.Tensor('uint8', new Uint8Array(n).fill(25), shape) : new ort.Tensor('float32', new Float32Array(n).fill(0.1), shape);
    const feeds = { [session.inputNames[0]!]: x };
    for (let i = 0; i < WARMUP; i++) await session.run(feeds);
    return { session, feeds };
  } catch {
    // a model onnxruntime cannot load or run has no latency to report; the run itself is not at fault
    return null;
  }
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};

/**
 * File sizes, and median batch-1 latencies in onnxruntime-node (one intra-op thread, so that a busy machine's
 * spare cores do not decide the ratio), of the teacher and the student on images of `image` = [C, H, W]. The two
 * are run alternately, one inference each in turn, so that a change in the machine's load falls on both alike, until
 * both have run MIN_RUNS times and `budgetMs` has passed.
 */
export async function measureFootprints(teacher: TimedModel, student: TimedModel, image: readonly number[], budgetMs = 300): Promise<Footprints> {
  const models = [await sessionFor(teacher, image), await sessionFor(student, image)];
  const times: number[][] = [[], []];
  const t0 = performance.now();
  try {
    const live = models.flatMap((m, i) => (m ? [{ ...m, i }] : []));
    for (let k = 0; live.length > 0 && k < MAX_RUNS && (k < MIN_RUNS || performance.now() - t0 < budgetMs); k++) {
      for (const m of live) {
        const s = performance.now();
        await m.session.run(m.feeds);
        times[m.i]!.push(performance.now() - s);
      }
    }
  } finally {
    for (const m of models) await m?.session.release();
  }
  const latency = (i: number): number | null => (times[i]!.length ? median(times[i]!) : null);
  return {
    runtime: `onnxruntime-node ${ort.env.versions.node ?? ''}`.trim(), threads: THREADS, batch: 1, runs: Math.max(times[0]!.length, times[1]!.length),
    teacher: { bytes: teacher.bytes.length, latencyMs: latency(0) },
    student: { bytes: student.bytes.length, latencyMs: latency(1) },
  };
}
