// whittle bench train vs the same loop in PyTorch (bench/peer/train_bench.py). Both run as long-lived servers and
// take turns (ABBA order) running a few steps each, so that both see the same machine load; the result is the
// median of the per-round ratios. Usage: node dist/bench/train-vs-pytorch.bench.js [rounds=12] [steps=5] [threads=2]
// [format=channels_last] [precision=fp32] [peer-precision=precision] [archs=vgg-small,resnet-small]: whittle's
// --precision and PyTorch's (bf16: torch.autocast('cpu', dtype=torch.bfloat16) around forward and loss).
import { median, PYTHON } from './run-peers.js';
import { interleave, Server } from './interleave.js';

const rounds = Number(process.argv[2] ?? 12);
const steps = Number(process.argv[3] ?? 5);
const threads = process.argv[4] ?? '2';
const fmt = process.argv[5] ?? 'channels_last';
const precision = process.argv[6] ?? 'fp32';
const peerPrecision = process.argv[7] ?? precision;
const archs = (process.argv[8] ?? 'vgg-small,resnet-small').split(',');
const results: Record<string, unknown>[] = [];
for (const arch of archs) {
  const common = ['--arch', arch, '--input', '1x28x28', '--classes', '10', '--batch', '128', '--warmup', '5', '--threads', threads, '--memory-format', fmt, '--serve'];
  const ours = new Server(process.execPath, ['bin/whittle.js', 'bench', 'train', ...common, '--precision', precision]);
  const peer = new Server(PYTHON, ['bench/peer/train_bench.py', ...common, '--precision', peerPrecision]);
  const r = await interleave(ours, peer, rounds, steps);
  const row = { arch, memoryFormat: fmt, threads: Number(threads), batch: 128, precision, peerPrecision, rounds, stepsPerRound: steps, whittleImagesPerSec: median(r.a), pytorchImagesPerSec: median(r.b), medianRatio: median(r.ratios), minRatio: Math.min(...r.ratios), maxRatio: Math.max(...r.ratios), ...(r.cpuRatios.length ? { medianCpuRatio: median(r.cpuRatios), minCpuRatio: Math.min(...r.cpuRatios), maxCpuRatio: Math.max(...r.cpuRatios) } : {}) };
  results.push(row);
  console.log(`${arch} (${fmt}, ${threads} threads, whittle ${precision} vs PyTorch ${peerPrecision}): whittle ${row.whittleImagesPerSec.toFixed(1)} images/s, pytorch ${row.pytorchImagesPerSec.toFixed(1)} images/s, median ratio ${row.medianRatio.toFixed(3)} (range ${row.minRatio.toFixed(3)}-${row.maxRatio.toFixed(3)})${row.medianCpuRatio === undefined ? '' : `; per CPU second ${row.medianCpuRatio.toFixed(3)} (${row.minCpuRatio!.toFixed(3)}-${row.maxCpuRatio!.toFixed(3)})`}`);
}
console.log(JSON.stringify({ bench: 'train-vs-pytorch', results }));
