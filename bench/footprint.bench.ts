// The headline table's file sizes and onnxruntime-node latencies: each shipped teacher against a student of the
// widths its recorded compress run ends at (the teacher cut through the run's prune steps exactly as compress cuts
// it: same ratios, metric, allocation and rounding; a file's size and a run's time depend on the widths, not on the
// trained values). Both are timed in one process, alternately, at batch 1 and 64, on 1 intra-op thread.
// Usage: node dist/bench/footprint.bench.js [rounds=15] [threads=1]
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnx, toOnnxBytes } from '../src/onnx/index.js';
import { channelWidths, prune } from '../src/prune/index.js';
import type { Graph } from '../src/graph/index.js';
import { resolveConfig } from '../src/pipeline/run-config.js';
import { stepPruneOptions } from '../src/pipeline/widths-of.js';
import { median, repoRoot } from './run-peers.js';

const rounds = Number(process.argv[2] ?? 15);
const threads = Number(process.argv[3] ?? 1);

/** Each shipped teacher and the settings of the run its headline student comes from (BENCHMARKS.md). */
const RUNS = [
  { teacher: 'vgg-small-mnist.onnx', image: [1, 28, 28], ratios: [0.47, 0.47, 0.47, 0.48], roundTo: 1 },
  { teacher: 'vgg-small-fashion-mnist.onnx', image: [1, 28, 28], ratios: [0.5, 0.5], roundTo: 1 },
  { teacher: 'vgg-small-fashion-mnist-15.onnx', image: [1, 28, 28], ratios: [0.5, 0.5, 0.5], roundTo: 1 },
  { teacher: 'resnet-small-fashion-mnist.onnx', image: [1, 28, 28], ratios: [0.5, 0.5, 0.5], roundTo: 1 },
  { teacher: 'resnet-small-fashion-mnist-25.onnx', image: [1, 28, 28], ratios: [0.5, 0.5, 0.5], roundTo: 8 },
] as const;

/** The student compress would cut to, step by step, with the given settings. */
function cutAsCompress(teacherPath: string, ratios: readonly number[], roundTo: number): Graph {
  const c = resolveConfig(teacherPath, { data: 'fashion-mnist', ratios: [...ratios], roundTo });
  let cur = loadOnnx(teacherPath);
  const first = channelWidths(cur, { ignore: c.ignore });
  for (let i = 0; i < c.plan.length; i++) {
    const next = prune(cur, stepPruneOptions(c, i, i > 0 ? first : null)).graph;
    cur.dispose();
    cur = next;
  }
  return cur;
}

/** Median milliseconds per run of each session, timed alternately: `rounds` rounds of `per` runs each. */
async function timeBoth(a: ort.InferenceSession, b: ort.InferenceSession, x: ort.Tensor, per: number): Promise<[number, number]> {
  const ta: number[] = [];
  const tb: number[] = [];
  const once = async (s: ort.InferenceSession): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) await s.run({ [s.inputNames[0]!]: x });
    return (performance.now() - t0) / per;
  };
  await once(a);
  await once(b);
  for (let r = 0; r < rounds; r++) {
    ta.push(await once(a));
    tb.push(await once(b));
  }
  return [median(ta), median(tb)];
}

const results: Record<string, unknown>[] = [];
for (const run of RUNS) {
  const path = join(repoRoot, 'teachers', run.teacher);
  const teacher = loadOnnx(path);
  const student = cutAsCompress(path, run.ratios, run.roundTo);
  // the teacher's file as shipped; the student's as compress writes it
  const bytes = [new Uint8Array(readFileSync(path)), toOnnxBytes(student)];
  const opts = { intraOpNumThreads: threads, interOpNumThreads: 1 };
  const [a, b] = [await ort.InferenceSession.create(bytes[0]!, opts), await ort.InferenceSession.create(bytes[1]!, opts)];
  const row: Record<string, unknown> = {
    teacher: run.teacher, ratios: run.ratios.join(','), roundTo: run.roundTo, threads,
    params: [teacher.parameterCount(), student.parameterCount()], bytes: [bytes[0]!.length, bytes[1]!.length],
  };
  for (const batch of [1, 64]) {
    const n = batch * run.image.reduce<number>((p, v) => p * v, 1);
    const x = new ort.Tensor('float32', new Float32Array(n).fill(0.1), [batch, ...run.image]);
    const [ta, tb] = await timeBoth(a, b, x, batch === 1 ? 50 : 3);
    row[`batch${batch}Ms`] = [ta, tb];
    row[`batch${batch}Speedup`] = ta / tb;
  }
  results.push(row);
  const ms = (v: unknown): string => (v as number[]).map((t) => t.toFixed(3)).join(' -> ');
  console.log(`${run.teacher} (${run.ratios.join(',')}, round-to ${run.roundTo}): params ${(row['params'] as number[]).join(' -> ')}, bytes ${(row['bytes'] as number[]).join(' -> ')}, batch 1 ${ms(row['batch1Ms'])} ms (${(row['batch1Speedup'] as number).toFixed(2)}x), batch 64 ${ms(row['batch64Ms'])} ms (${(row['batch64Speedup'] as number).toFixed(2)}x)`);
  await a.release();
  await b.release();
  teacher.dispose();
  student.dispose();
}
console.log(JSON.stringify({ bench: 'footprint', rounds, threads, results }));
