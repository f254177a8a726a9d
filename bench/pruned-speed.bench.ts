// Batch-1 latency in onnxruntime-node of vgg-small and resnet-small against the same models pruned to 0.25 of their
// MACs within 1% (l1, global or uniform, optionally --round-to), the two sessions timed alternately in one process. Each round
// times 50 runs of each by the wall clock and by the process's CPU time (user + system, all threads), which a busy
// machine inflates far less: the wall clock also counts waiting for a core.
// Usage: node dist/bench/pruned-speed.bench.js [input=1x28x28] [roundTo=1] [rounds=20] [threads=1] [global|uniform]
import * as ort from 'onnxruntime-node';
import { buildZooGraph } from '../src/zoo/index.js';
import { toOnnxBytes } from '../src/onnx/index.js';
import { prune } from '../src/prune/index.js';
import { manualSeed } from '../src/tensor/index.js';
import { median } from './run-peers.js';
import { timeRuns } from './ort-timing.js';

const input = (process.argv[2] ?? '1x28x28').split('x').map(Number) as [number, number, number];
const roundTo = Number(process.argv[3] ?? 1);
const rounds = Number(process.argv[4] ?? 20);
const threads = Number(process.argv[5] ?? 1);
const policy = process.argv[6] ?? 'global';
if (policy !== 'global' && policy !== 'uniform') throw new Error(`policy must be global or uniform, got ${policy}`);

const results: Record<string, unknown>[] = [];
for (const arch of ['vgg-small', 'resnet-small'] as const) {
  manualSeed(0);
  const g = buildZooGraph(arch, { input, classes: 10 });
  const r = prune(g, { ratio: 0.25, metric: 'macs', criterion: 'l1', roundTo, global: policy === 'global' });
  const opts = { intraOpNumThreads: threads, interOpNumThreads: 1 };
  const a = await ort.InferenceSession.create(toOnnxBytes(g), opts);
  const b = await ort.InferenceSession.create(toOnnxBytes(r.graph), opts);
  const x = new ort.Tensor('float32', new Float32Array(input[0] * input[1] * input[2]).fill(0.1), [1, ...input]);
  await timeRuns(a, x, 20);
  await timeRuns(b, x, 20);
  const ta: { wall: number; cpu: number }[] = [];
  const tb: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    ta.push(await timeRuns(a, x, 50));
    tb.push(await timeRuns(b, x, 50));
  }
  const wall = [median(ta.map((t) => t.wall)), median(tb.map((t) => t.wall))] as const;
  const cpu = [median(ta.map((t) => t.cpu)), median(tb.map((t) => t.cpu))] as const;
  const widths = r.groups.map((gr) => `${gr.kept}/${gr.total}`).join(' ');
  const row = { arch, input: input.join('x'), roundTo, threads, policy, macsRatio: r.macs.after / r.macs.before, widths, originalMs: wall[0], prunedMs: wall[1], speedup: wall[0] / wall[1], originalCpuMs: cpu[0], prunedCpuMs: cpu[1], cpuSpeedup: cpu[0] / cpu[1] };
  results.push(row);
  console.log(`${arch} ${row.input} (${policy}, round-to ${roundTo}, ${threads} thread, widths ${widths}): at ${(100 * row.macsRatio).toFixed(2)}% of the MACs, wall ${wall[0].toFixed(3)} -> ${wall[1].toFixed(3)} ms (${row.speedup.toFixed(2)}x), CPU ${cpu[0].toFixed(3)} -> ${cpu[1].toFixed(3)} ms (${row.cpuSpeedup.toFixed(2)}x)`);
  await a.release();
  await b.release();
  r.graph.dispose();
  g.dispose();
}
console.log(JSON.stringify({ bench: 'pruned-speed', results }));
