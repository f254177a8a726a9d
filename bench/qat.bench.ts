// int8 students of compress runs side by side in one process: for each run folder, its float student.onnx, the
// same student quantized after training (`whittle quantize`'s defaults: PTQ), and, where the run had --quantize int8,
// its student.int8.onnx (quantization-aware distillation: QAT), with the teacher: file sizes, test accuracy in
// onnxruntime-node (from quantize's and the run's reports, both on the whole test split) and latency at batch 1 and
// 64 in onnxruntime-node (1 intra-op thread, every model of a run timed in alternating rounds, medians).
// Usage: node dist/bench/qat.bench.js OUTDIR DATA TEACHER.onnx RUN [RUN ...] (Fashion-MNIST-shaped models)
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { quantize } from '../src/api/index.js';
import { loadOnnx } from '../src/onnx/index.js';
import { imageInputShape } from '../src/exec/index.js';
import { cpuFeatures, runtimeNamed, timeAlternating, type RuntimeSession } from '../src/runtime/index.js';
import type { CompressReport } from '../src/pipeline/report.js';

const [outDir, data, teacher, ...runs] = process.argv.slice(2);
if (!outDir || !data || !teacher || runs.length === 0) {
  console.error('usage: node dist/bench/qat.bench.js OUTDIR DATA TEACHER.onnx RUN [RUN ...]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const shapeOf = loadOnnx(teacher);
const cpu = cpuFeatures();
console.log(`cpu ${cpu.model}: ${Object.entries(cpu.flags ?? {}).filter(([, v]) => v).map(([k]) => k).join(', ')}`);

/** Median ms of each file at `batch`, in alternating rounds. */
async function timeFiles(files: readonly string[], batch: number): Promise<number[]> {
  const sessions: RuntimeSession[] = [];
  try {
    const jobs = [];
    for (const f of files) {
      // the int8 files hold QuantizeLinear, which whittle does not import: the shape is the teacher's
      const dims = imageInputShape(shapeOf, [1, 28, 28], batch);
      const s = await runtimeNamed('onnxruntime-node').open(new Uint8Array(readFileSync(f)), { threads: 1 });
      sessions.push(s);
      jobs.push({ session: s, feeds: { [s.inputNames[0]!]: { data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.1), dims } } });
    }
    return (await timeAlternating(jobs, { maxSeconds: 30 })).map((t) => t.medianMs);
  } finally {
    for (const s of sessions) await s.release();
  }
}

console.log('| run | model | bytes | test (onnxruntime-node) | batch 1 ms | batch 64 ms |');
console.log('|---|---|---|---|---|---|');
for (const run of runs) {
  const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as CompressReport;
  const float = join(run, 'student.onnx');
  const ptq = join(outDir, `${basename(run)}.ptq.onnx`);
  const p = await quantize(float, data, ptq, { threads: 1, latency: false });
  const qat = join(run, 'student.int8.onnx');
  const rows: [string, string, number | null][] = [
    ['teacher', teacher, report.teacher.testAccuracy],
    ['fp32 student', float, p.accuracy?.before ?? null],
    ['PTQ int8', ptq, p.accuracy?.after ?? null],
    ...(existsSync(qat) ? [['QAT int8', qat, report.int8?.testAccuracy ?? null] as [string, string, number | null]] : []),
  ];
  const b1 = await timeFiles(rows.map((r) => r[1]), 1);
  const b64 = await timeFiles(rows.map((r) => r[1]), 64);
  rows.forEach(([name, file, acc], k) => {
    const ratio = (t: number[]): string => (k === 0 ? '' : ` (${(t[0]! / t[k]!).toFixed(2)}x teacher, ${(t[1]! / t[k]!).toFixed(2)}x fp32)`);
    console.log(`| ${basename(run)} | ${name} | ${readFileSync(file).length.toLocaleString('en-US')} | ${acc === null ? '–' : `${(100 * acc).toFixed(2)}%`} | ${b1[k]!.toFixed(3)}${ratio(b1)} | ${b64[k]!.toFixed(2)}${ratio(b64)} |`);
  });
  const steps = report.steps.filter((s) => s.latency).map((s) => `step ${s.step}: asked ${s.latency!.requestedMs.toFixed(3)} ms, measured ${s.latency!.measuredMs.toFixed(3)} ms`);
  if (steps.length) console.log(`\n${basename(run)} latency steps: ${steps.join('; ')}`);
}
