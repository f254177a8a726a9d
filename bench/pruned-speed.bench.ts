// Batch-1 latency in onnxruntime-node of vgg-small and resnet-small against the same models pruned to 0.25 of their
// MACs (l1, global, optionally --round-to), the two sessions timed alternately in one process.
// Usage: node dist/bench/pruned-speed.bench.js [input=1x28x28] [roundTo=1] [rounds=20] [threads=1]
import * as ort from 'onnxruntime-node';
import { buildZooGraph } from '../src/zoo/index.js';
import { toOnnxBytes } from '../src/onnx/index.js';
import { prune } from '../src/prune/index.js';
import { manualSeed } from '../src/tensor/index.js';
import { median } from './run-peers.js';

const input = (process.argv[2] ?? '1x28x28').split('x').map(Number) as [number, number, number];
const roundTo = Number(process.argv[3] ?? 1);
const rounds = Number(process.argv[4] ?? 20);
const threads = Number(process.argv[5] ?? 1);

async function timeRuns(s: ort.InferenceSession, x: ort.Tensor, n: number): Promise<number> {
  const feeds = { [s.inputNames[0]!]: x };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await s.run(feeds);
  return Number(process.hrtime.bigint() - t0) / 1e6 / n;
}

const results: Record<string, unknown>[] = [];
for (const arch of ['vgg-small', 'resnet-small'] as const) {
  manualSeed(0);
  const g = buildZooGraph(arch, { input, classes: 10 });
  const r = prune(g, { ratio: 0.25, metric: 'macs', criterion: 'l1', roundTo, tolerance: roundTo > 1 ? 0.05 : 0.01 });
  const opts = { intraOpNumThreads: threads, interOpNumThreads: 1 };
  const a = await ort.InferenceSession.create(toOnnxBytes(g), opts);
  const b = await ort.InferenceSession.create(toOnnxBytes(r.graph), opts);
  const x = new ort.Tensor('float32', new Float32Array(input[0] * input[1] * input[2]).fill(0.1), [1, ...input]);
  await timeRuns(a, x, 20);
  await timeRuns(b, x, 20);
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < rounds; i++) {
    ta.push(await timeRuns(a, x, 50));
    tb.push(await timeRuns(b, x, 50));
  }
  const row = { arch, input: input.join('x'), roundTo, threads, macsRatio: r.macs.after / r.macs.before, originalMs: median(ta), prunedMs: median(tb), speedup: median(ta) / median(tb) };
  results.push(row);
  console.log(`${arch} ${row.input} (round-to ${roundTo}, ${threads} thread): ${row.originalMs.toFixed(3)} ms -> ${row.prunedMs.toFixed(3)} ms at ${(100 * row.macsRatio).toFixed(1)}% of the MACs: ${row.speedup.toFixed(2)}x faster`);
  await a.release();
  await b.release();
  r.graph.dispose();
  g.dispose();
}
console.log(JSON.stringify({ bench: 'pruned-speed', results }));
