// Data-parallel scaling on this machine (issue 7): images/s of `fit` with 1 and 2 processes of 1 thread each, and
// the allreduce bandwidth of c10d's Gloo backend over loopback between 2 processes.
// Usage: node dist/bench/distributed.bench.js [model=vgg-small] [rows=2048] [batch=128] [rounds=2]
// The two configurations take turns for `rounds` rounds (the machine is shared: compare within a round).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { freePort } from '../src/distributed/index.js';

const worker = join(dirname(fileURLToPath(import.meta.url)), 'dist-worker.js');
const [model = 'vgg-small', rows = '2048', batch = '128', rounds = '2'] = process.argv.slice(2);

function runRank(args: string[]): Promise<Record<string, number[] | number>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as Record<string, number[] | number>) : reject(new Error(`worker exited ${code}`))));
  });
}

async function group(role: string, worldSize: number, args: string[]): Promise<Record<string, number[] | number>[]> {
  const port = String(await freePort());
  return Promise.all(Array.from({ length: worldSize }, (_, r) => runRank([role, String(worldSize), String(r), port, ...args])));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fitArgs = [model, rows, batch, '2'];
const speeds: Record<number, number[]> = { 1: [], 2: [] };
const cpuPer1000: Record<number, number[]> = { 1: [], 2: [] };
for (let round = 0; round < Number(rounds); round++) {
  for (const ws of round % 2 === 0 ? [1, 2] : [2, 1]) {
    const rs = await group('fit', ws, fitArgs);
    // epoch 2 only: epoch 1 includes warm-up (allocator, first collectives)
    const ips = (rs[0]!['imagesPerSec'] as number[])[1]!;
    speeds[ws]!.push(ips);
    // CPU seconds of all ranks per 1000 training images (2 epochs): whether splitting the batch costs extra work
    const cpu = rs.reduce((s, r) => s + (r['cpuSeconds'] as number), 0) / ((2 * Number(rows)) / 1000);
    cpuPer1000[ws]!.push(cpu);
    console.log(`round ${round + 1}: ${ws} process(es) x 1 thread: ${ips.toFixed(1)} images/s, ${cpu.toFixed(2)} CPU s per 1000 images (all ranks)`);
  }
}
const [s1, s2] = [median(speeds[1]!), median(speeds[2]!)];
console.log(`${model}, ${rows} rows, global batch ${batch}: 1 process ${s1.toFixed(1)} images/s, 2 processes ${s2.toFixed(1)} images/s, speed-up ${(s2 / s1).toFixed(2)}x`);

const bandwidth: { mib: number; seconds: number; gbPerSec: number }[] = [];
for (const mib of [1, 4, 16, 64]) {
  const iters = String(Math.max(5, Math.round(256 / mib)));
  const [r0] = await group('allreduce', 2, [String(mib), iters]);
  const seconds = r0!['seconds'] as number;
  // algorithm bandwidth: the tensor's bytes over the time of one allreduce (for 2 ranks, bus bandwidth is the same)
  bandwidth.push({ mib, seconds, gbPerSec: (mib * 2 ** 20) / seconds / 1e9 });
  console.log(`allreduce ${mib} MiB float32, 2 processes, Gloo over loopback: ${(seconds * 1e3).toFixed(2)} ms, ${((mib * 2 ** 20) / seconds / 1e9).toFixed(2)} GB/s`);
}
console.log(JSON.stringify({ bench: 'distributed', model, rows: Number(rows), batch: Number(batch), imagesPerSec: { 1: speeds[1], 2: speeds[2] }, cpuSecondsPer1000: { 1: cpuPer1000[1], 2: cpuPer1000[2] }, speedup: s2 / s1, allreduce: bandwidth }));
