// Is there a resnet-small allocation at 0.25 of the MACs that runs 2.5x faster at batch 1? Enumerates every
// allocation of widths in multiples of 8 (stage widths and each BasicBlock's inner width) whose MACs are within 1% of
// 25%, screens each by wall clock against the original (alternating, in one process), then re-times the best K and
// the even (half of every group) allocation with medians of 10 alternating rounds of 300 runs.
// Usage: node dist/bench/allocation-search.bench.js [input=1x28x28] [top=30]
import * as ort from 'onnxruntime-node';
import { buildZooGraph } from '../src/zoo/index.js';
import { toOnnxBytes } from '../src/onnx/index.js';
import { countMacs, inferShapes } from '../src/exec/analysis.js';
import { manualSeed } from '../src/tensor/index.js';
import { median } from './run-peers.js';

const input = (process.argv[2] ?? '1x28x28').split('x').map(Number) as [number, number, number];
const top = Number(process.argv[3] ?? 30);
const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const x = new ort.Tensor('float32', new Float32Array(input[0] * input[1] * input[2]).fill(0.1), [1, ...input]);

/** [stage widths (3), inner widths (6)] */
type Alloc = readonly number[];
const FULL: Alloc = [16, 32, 64, 16, 16, 32, 32, 64, 64];
const EVEN: Alloc = FULL.map((c) => c / 2);

function graphOf(a: Alloc) {
  manualSeed(0);
  return buildZooGraph('resnet-small', { input, classes: 10, widths: a.slice(0, 3), blockWidths: a.slice(3) });
}
function macsOf(a: Alloc): number {
  const g = graphOf(a);
  inferShapes(g);
  const m = countMacs(g).total;
  g.dispose();
  return m;
}
async function session(a: Alloc): Promise<ort.InferenceSession> {
  const g = graphOf(a);
  const s = await ort.InferenceSession.create(toOnnxBytes(g), opts);
  g.dispose();
  return s;
}
async function msPerRun(s: ort.InferenceSession, n: number): Promise<number> {
  const feeds = { [s.inputNames[0]!]: x };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await s.run(feeds);
  return Number(process.hrtime.bigint() - t0) / 1e6 / n;
}

/** Conv and fc MACs of resnet-small at the input size (what the enumeration uses; checked against countMacs below). */
function convMacs([s1, s2, s3, i10, i11, i20, i21, i30, i31]: Alloc): number {
  const [c, h, w] = input;
  const a1 = h * w, a2 = Math.ceil(h / 2) * Math.ceil(w / 2), a3 = Math.ceil(h / 4) * Math.ceil(w / 4);
  return 9 * a1 * (c * s1 + 2 * s1 * i10 + 2 * s1 * i11)
    + 9 * a2 * (s1 * i20 + i20 * s2 + 2 * s2 * i21) + a2 * s1 * s2
    + 9 * a3 * (s2 * i30 + i30 * s3 + 2 * s3 * i31) + a3 * s2 * s3 + 10 * s3;
}
const full = macsOf(FULL);
for (const a of [FULL, EVEN, [8, 24, 40, 8, 16, 16, 8, 56, 24]]) {
  const exact = macsOf(a);
  if (Math.abs(convMacs(a) - exact) / exact > 0.01) throw new Error(`MAC model off for ${a.join(' ')}: ${convMacs(a)} vs ${exact}`);
}
const steps = (max: number): number[] => Array.from({ length: max / 8 }, (_, i) => 8 * (i + 1));
const fullConvMacs = convMacs(FULL);
const candidates: Alloc[] = [];
const walk = (prefix: number[]): void => {
  if (prefix.length === FULL.length) {
    if (Math.abs(convMacs(prefix) / fullConvMacs - 0.25) <= 0.0025) candidates.push([...prefix]);
    return;
  }
  for (const c of steps(FULL[prefix.length]!)) walk([...prefix, c]);
};
walk([]);
console.log(`${candidates.length} allocations within 1% of 25% of the MACs`);

const original = await session(FULL);
await msPerRun(original, 200);
const screened: { a: Alloc; speedup: number }[] = [];
for (const a of candidates) {
  const s = await session(a);
  await msPerRun(s, 30);
  const ref = Math.min(await msPerRun(original, 100), await msPerRun(original, 100));
  const ms = Math.min(await msPerRun(s, 100), await msPerRun(s, 100));
  screened.push({ a, speedup: ref / ms });
  await s.release();
}
screened.sort((p, q) => q.speedup - p.speedup);
const evenRank = screened.findIndex((r) => r.a.join() === EVEN.join());
console.log(`screening: best ${screened[0]!.speedup.toFixed(2)}x, even allocation ${screened[evenRank]?.speedup.toFixed(2)}x (rank ${evenRank + 1})`);

const results: { widths: string; macsRatio: number; originalMs: number; prunedMs: number; speedup: number }[] = [];
for (const a of [...screened.slice(0, top).map((r) => r.a), EVEN]) {
  const s = await session(a);
  await msPerRun(s, 100);
  const ra: number[] = [], rb: number[] = [];
  for (let i = 0; i < 10; i++) { ra.push(await msPerRun(original, 300)); rb.push(await msPerRun(s, 300)); }
  const row = { widths: a.join(' '), macsRatio: macsOf(a) / full, originalMs: median(ra), prunedMs: median(rb), speedup: median(ra) / median(rb) };
  results.push(row);
  console.log(`${row.widths}: ${(100 * row.macsRatio).toFixed(2)}% of the MACs, ${row.originalMs.toFixed(3)} -> ${row.prunedMs.toFixed(3)} ms (${row.speedup.toFixed(2)}x)${a === EVEN ? ' (even)' : ''}`);
  await s.release();
}
const best = results.slice(0, -1).reduce((p, q) => (q.speedup > p.speedup ? q : p));
console.log(JSON.stringify({ bench: 'allocation-search', input: input.join('x'), candidates: candidates.length, best, even: results[results.length - 1], results }));
