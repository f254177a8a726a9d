// A distillation step as compress runs it (graphs through the executor, bench/peer/distill_bench.py in PyTorch),
// interleaved with the PyTorch peer: whittle without the teacher cache against PyTorch (goal: at least as fast),
// and whittle with the cache against PyTorch without (goal: at least 1.4x).
// Usage: node dist/bench/distill-vs-pytorch.bench.js [rounds=10] [steps=4] [arch=vgg-small] [student-widths, e.g. 24,24,48,48,88 or 'same']
// [precision=fp32] (whittle's) [peer=fp32] (fp32: PyTorch in fp32 with a teacher forward each step; same: PyTorch at
// whittle's precision and with the teacher cache where whittle has it, to compare the engines at equal settings)
import { median, PYTHON } from './run-peers.js';
import { interleave, Server } from './interleave.js';

const rounds = Number(process.argv[2] ?? 10);
const steps = Number(process.argv[3] ?? 4);
const arch = process.argv[4] ?? 'vgg-small';
const widths = process.argv[5] === 'same' ? undefined : process.argv[5];
const precision = process.argv[6] ?? 'fp32';
const peerMode = process.argv[7] ?? 'fp32';
if (peerMode !== 'fp32' && peerMode !== 'same') throw new Error(`peer: fp32 or same, not ${peerMode}`);
const common = ['--arch', arch, '--input', '1x28x28', '--classes', '10', '--batch', '128', '--threads', '2', ...(widths ? ['--student-widths', widths] : []), '--serve'];
const results: Record<string, unknown>[] = [];
for (const cache of [false, true]) {
  const ours = new Server(process.execPath, ['bin/whittle.js', 'bench', 'distill', ...common.filter((a) => a !== '--serve'), '--precision', precision, ...(cache ? ['--teacher-cache'] : [])]);
  const peer = new Server(PYTHON, ['bench/peer/distill_bench.py', ...common, ...(peerMode === 'same' ? ['--precision', precision, ...(cache ? ['--teacher-cache'] : [])] : [])]);
  const r = await interleave(ours, peer, rounds, steps);
  const row = { arch, studentWidths: widths ?? 'as the teacher', precision, peer: peerMode, whittleTeacherCache: cache, whittleImagesPerSec: median(r.a), pytorchImagesPerSec: median(r.b), medianRatio: median(r.ratios), minRatio: Math.min(...r.ratios), maxRatio: Math.max(...r.ratios), ...(r.cpuRatios.length ? { medianCpuRatio: median(r.cpuRatios), minCpuRatio: Math.min(...r.cpuRatios), maxCpuRatio: Math.max(...r.cpuRatios) } : {}) };
  results.push(row);
  console.log(`${arch} distillation step (student ${widths ?? 'as the teacher'}), whittle ${precision} ${cache ? 'with' : 'without'} the teacher cache vs PyTorch ${peerMode === 'same' ? `${precision} ${cache ? 'with' : 'without'}` : 'fp32 without'}: ${row.whittleImagesPerSec.toFixed(1)} vs ${row.pytorchImagesPerSec.toFixed(1)} images/s, median ratio ${row.medianRatio.toFixed(3)} (range ${row.minRatio.toFixed(3)}-${row.maxRatio.toFixed(3)})${row.medianCpuRatio === undefined ? '' : `; per CPU second ${row.medianCpuRatio.toFixed(3)} (${row.minCpuRatio!.toFixed(3)}-${row.maxCpuRatio!.toFixed(3)})`}`);
}
console.log(JSON.stringify({ bench: 'distill-vs-pytorch', results }));
