// A distillation step as compress runs it (graphs through the executor, bench/peer/distill_bench.py in PyTorch),
// interleaved with the PyTorch peer: whittle without the teacher cache against PyTorch (goal: at least as fast),
// and whittle with the cache against PyTorch without (goal: at least 1.4x).
// Usage: node dist/bench/distill-vs-pytorch.bench.js [rounds=10] [steps=4] [arch=vgg-small] [student-widths, e.g. 24,24,48,48,88 or 'same']
// [precision=fp32] (whittle's; PyTorch's peer stays fp32)
import { median, PYTHON } from './run-peers.js';
import { interleave, Server } from './interleave.js';

const rounds = Number(process.argv[2] ?? 10);
const steps = Number(process.argv[3] ?? 4);
const arch = process.argv[4] ?? 'vgg-small';
const widths = process.argv[5] === 'same' ? undefined : process.argv[5];
const precision = process.argv[6] ?? 'fp32';
const common = ['--arch', arch, '--input', '1x28x28', '--classes', '10', '--batch', '128', '--threads', '2', ...(widths ? ['--student-widths', widths] : []), '--serve'];
const results: Record<string, unknown>[] = [];
for (const cache of [false, true]) {
  const ours = new Server(process.execPath, ['bin/whittle.js', 'bench', 'distill', ...common.filter((a) => a !== '--serve'), '--precision', precision, ...(cache ? ['--teacher-cache'] : [])]);
  const peer = new Server(PYTHON, ['bench/peer/distill_bench.py', ...common]);
  const r = await interleave(ours, peer, rounds, steps);
  const row = { arch, studentWidths: widths ?? 'as the teacher', precision, whittleTeacherCache: cache, whittleImagesPerSec: median(r.a), pytorchImagesPerSec: median(r.b), medianRatio: median(r.ratios), minRatio: Math.min(...r.ratios), maxRatio: Math.max(...r.ratios), ...(r.cpuRatios.length ? { medianCpuRatio: median(r.cpuRatios), minCpuRatio: Math.min(...r.cpuRatios), maxCpuRatio: Math.max(...r.cpuRatios) } : {}) };
  results.push(row);
  console.log(`${arch} distillation step (student ${widths ?? 'as the teacher'}), whittle ${precision} ${cache ? 'with' : 'without'} the teacher cache vs PyTorch without: ${row.whittleImagesPerSec.toFixed(1)} vs ${row.pytorchImagesPerSec.toFixed(1)} images/s, median ratio ${row.medianRatio.toFixed(3)} (range ${row.minRatio.toFixed(3)}-${row.maxRatio.toFixed(3)})${row.medianCpuRatio === undefined ? '' : `; per CPU second ${row.medianCpuRatio.toFixed(3)} (${row.minCpuRatio!.toFixed(3)}-${row.maxCpuRatio!.toFixed(3)})`}`);
}
console.log(JSON.stringify({ bench: 'distill-vs-pytorch', results }));
