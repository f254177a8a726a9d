// bf16 training two ways, in one process, taking turns (ABBA) so both see the same machine load: (a) libtorch's
// autocast around the forward pass (how whittle trains with precision bf16), (b) whittle's own Conv and Gemm kernels
// casting their float32 inputs to bf16 (what a per-kernel cast would do); and (c) fp32, for bf16's gain. Prints the
// median ratios a/b and a/c of images per second and per CPU second (the latter less noisy on a loaded machine).
// Usage: node dist/bench/autocast-vs-cast.bench.js [rounds=8] [steps=3] [arch=vgg-small] [batch=128]
import { cast, crossEntropy, manualSeed, randint, randn, setNumThreads, setPrecision, tidy, contiguous, keep, type Tensor } from '../src/tensor/index.js';
import { buildZooGraph, type ZooArch } from '../src/zoo/index.js';
import { Sgd } from '../src/optim/index.js';
import { forward, toChannelsLast } from '../src/distill/index.js';
import { kernelFor, registerKernels, type Kernel } from '../src/exec/index.js';
import { median } from './run-peers.js';

const rounds = Number(process.argv[2] ?? 8);
const steps = Number(process.argv[3] ?? 3);
const arch = (process.argv[4] ?? 'vgg-small') as ZooArch;
const batch = Number(process.argv[5] ?? 128);
setNumThreads(2);
manualSeed(0);

const CAST_OPS = ['Conv', 'Gemm', 'MatMul'];
const own = Object.fromEntries(CAST_OPS.map((op) => [op, kernelFor(op)!])) as Record<string, Kernel>;
const casting = Object.fromEntries(CAST_OPS.map((op) => [op, ((inputs, ctx) => own[op]!(inputs.map((t) => (t && t.dtype === 'float32' ? cast(t, 'bfloat16') : t)), ctx)) as Kernel]));

const g = buildZooGraph(arch, { input: [1, 28, 28], classes: 10 });
toChannelsLast(g);
const x = keep(tidy(() => contiguous(randn([batch, 1, 28, 28]), 'channels_last')));
const y = randint(10, [batch]);
const opt = new Sgd(g.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
const step = (): void => {
  tidy(() => {
    const logits = forward(g, x, true);
    crossEntropy(logits.dtype === 'float32' ? logits : cast(logits, 'float32'), y).backward();
  });
  opt.step();
  opt.zeroGrad();
};

/** Images per second and per CPU second of `steps` steps with the given way of computing in bf16. */
function run(way: 'autocast' | 'cast' | 'fp32'): [number, number] {
  const restore = setPrecision(way === 'autocast' ? 'bf16' : 'fp32');
  registerKernels(way === 'cast' ? casting : own);
  try {
    step(); // the first step after a switch warms the other path's caches
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) step();
    const cpu = process.cpuUsage(cpu0);
    return [(batch * steps) / (Number(process.hrtime.bigint() - t0) / 1e9), (batch * steps) / ((cpu.user + cpu.system) / 1e6)];
  } finally {
    registerKernels(own);
    restore();
  }
}

const WAYS = ['autocast', 'cast', 'fp32'] as const;
const seen = Object.fromEntries(WAYS.map((w) => [w, [] as [number, number][]])) as Record<(typeof WAYS)[number], [number, number][]>;
for (let r = 0; r < rounds; r++) {
  // each way goes first, second and third equally often
  for (let k = 0; k < WAYS.length; k++) {
    const way = WAYS[(r + k) % WAYS.length]!;
    seen[way].push(run(way));
  }
}
const ratio = (of: 'cast' | 'fp32', i: 0 | 1): number[] => seen.autocast.map((v, r) => v[i] / seen[of][r]![i]);
const stats = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const row = {
  bench: 'autocast-vs-cast', arch, batch, rounds, steps,
  imagesPerSec: Object.fromEntries(WAYS.map((w) => [w, median(seen[w].map((v) => v[0]))])),
  autocastVsCast: stats(ratio('cast', 0)), autocastVsCastPerCpuSecond: stats(ratio('cast', 1)),
  autocastVsFp32: stats(ratio('fp32', 0)), autocastVsFp32PerCpuSecond: stats(ratio('fp32', 1)),
};
const show = (s: { median: number; min: number; max: number }): string => `${s.median.toFixed(3)} (${s.min.toFixed(3)}-${s.max.toFixed(3)})`;
console.log(`${arch} batch ${batch}: bf16 by autocast vs by casting kernels ${show(row.autocastVsCast)}, per CPU second ${show(row.autocastVsCastPerCpuSecond)}; bf16 (autocast) vs fp32 ${show(row.autocastVsFp32)}, per CPU second ${show(row.autocastVsFp32PerCpuSecond)}`);
console.log(JSON.stringify(row));
for (const t of [x, y] as Tensor[]) t.dispose();
opt.dispose();
g.dispose();
