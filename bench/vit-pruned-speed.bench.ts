// Latency in onnxruntime-node of the zoo's vit-tiny (1x28x28, 10 classes) against the same model pruned to 0.5 and
// 0.25 of its MACs within 1% (l1, global; whole heads, or the dims inside every head), at batch 1 and batch 64. The
// sessions of one batch size are timed alternately in one process, each round `runs` runs of each by the wall clock
// and by the process's CPU time (user + system), which a busy machine inflates far less. Weights are the zoo's
// initial ones: latency does not depend on their values.
// Usage: node dist/bench/vit-pruned-speed.bench.js [rounds=7] [threads=1]
import * as ort from 'onnxruntime-node';
import { buildZooGraph } from '../src/zoo/index.js';
import { toOnnxBytes } from '../src/onnx/index.js';
import { prune } from '../src/prune/index.js';
import { manualSeed } from '../src/tensor/index.js';
import { median } from './run-peers.js';
import { timeRuns } from './ort-timing.js';

const rounds = Number(process.argv[2] ?? 7);
const threads = Number(process.argv[3] ?? 1);

manualSeed(0);
const g = buildZooGraph('vit-tiny', { input: [1, 28, 28], classes: 10 });
const variants = [{ name: 'teacher', bytes: toOnnxBytes(g), macs: 1, widths: '' }];
for (const attention of ['heads', 'dims'] as const) {
  for (const ratio of [0.5, 0.25]) {
    const r = prune(g, { ratio, metric: 'macs', criterion: 'l1', attention });
    variants.push({ name: `${attention} ${ratio}`, bytes: toOnnxBytes(r.graph), macs: r.macs.after / r.macs.before, widths: r.groups.map((gr) => `${gr.kind[0]}${gr.kept}/${gr.total}`).join(' ') });
    r.graph.dispose();
  }
}
g.dispose();
const results: Record<string, unknown>[] = [];
for (const batch of [1, 64]) {
  const runs = batch === 1 ? 50 : 4;
  const opts = { intraOpNumThreads: threads, interOpNumThreads: 1 };
  const sessions = await Promise.all(variants.map((v) => ort.InferenceSession.create(v.bytes, opts)));
  const x = new ort.Tensor('float32', new Float32Array(batch * 784).fill(0.1), [batch, 1, 28, 28]);
  for (const s of sessions) await timeRuns(s, x, runs);
  const times = sessions.map(() => [] as { wall: number; cpu: number }[]);
  for (let i = 0; i < rounds; i++) for (let k = 0; k < sessions.length; k++) times[k]!.push(await timeRuns(sessions[k]!, x, runs));
  const wall = times.map((t) => median(t.map((u) => u.wall)));
  const cpu = times.map((t) => median(t.map((u) => u.cpu)));
  variants.forEach((v, k) => {
    const row = { batch, threads, variant: v.name, macsRatio: v.macs, widths: v.widths, wallMs: wall[k]!, cpuMs: cpu[k]!, wallSpeedup: wall[0]! / wall[k]!, cpuSpeedup: cpu[0]! / cpu[k]! };
    results.push(row);
    console.log(`batch ${batch} ${v.name.padEnd(10)} ${(100 * v.macs).toFixed(1).padStart(5)}% MACs  wall ${row.wallMs.toFixed(3)} ms (${row.wallSpeedup.toFixed(2)}x)  CPU ${row.cpuMs.toFixed(3)} ms (${row.cpuSpeedup.toFixed(2)}x)  ${v.widths}`);
  });
  for (const s of sessions) await s.release();
}
console.log(JSON.stringify({ bench: 'vit-pruned-speed', results }));
