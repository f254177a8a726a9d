// The int8 speed search against plain quantization, side by side in one process: the student is quantized three
// times (`--speed-search off`, `widen`, `float`), then the teacher, the float student and the three int8 files are
// timed in onnxruntime-node in alternating rounds (medians, 1 thread) at batch 1 and 64, on random 1x28x28 images
// (the Fashion-MNIST students it was written for). Prints a markdown table: bytes, test accuracy, latency, and speed-ups over the fp32 student and the
// teacher.
// Usage: node dist/bench/int8-speed.bench.js OUTDIR DATA TEACHER.onnx STUDENT.onnx
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { quantize } from '../src/api/index.js';
import { cpuFeatures, runtimeNamed, timeAlternating, type RuntimeSession } from '../src/runtime/index.js';
import type { QuantizeReport } from '../src/pipeline/quantize.js';

const [outDir, data, teacher, student] = process.argv.slice(2);
if (!outDir || !data || !teacher || !student) {
  console.error('usage: node dist/bench/int8-speed.bench.js OUTDIR DATA TEACHER.onnx STUDENT.onnx');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const cpu = cpuFeatures();
console.log(`cpu ${cpu.model}: ${Object.entries(cpu.flags ?? {}).filter(([, v]) => v).map(([k]) => k).join(', ')}`);
const modes = ['off', 'widen', 'float'] as const;
const reports = new Map<string, QuantizeReport>();
for (const mode of modes) {
  const r = await quantize(student, data, join(outDir, `int8-${mode}.onnx`), { threads: 1, speedSearch: mode, latency: false });
  reports.set(mode, r);
  console.error(`${mode}: widened ${JSON.stringify(r.widened)}, float ${JSON.stringify(r.excluded)}`);
}
const files = [['teacher', teacher], ['fp32 student', student], ...modes.map((m) => [`int8, --speed-search ${m}`, join(outDir, `int8-${m}.onnx`)])] as const;
const node = runtimeNamed('onnxruntime-node');
const sessions: RuntimeSession[] = [];
for (const [, f] of files) sessions.push(await node.open(new Uint8Array(readFileSync(f)), { threads: 1 }));
const feeds = (batch: number): Record<string, { data: Float32Array; dims: number[] }> => ({ [sessions[0]!.inputNames[0]!]: { data: Float32Array.from({ length: batch * 784 }, () => Math.random()), dims: [batch, 1, 28, 28] } });
const ms: number[][] = [];
for (const batch of [1, 64]) {
  const x = feeds(batch);
  ms.push((await timeAlternating(sessions.map((session) => ({ session, feeds: x })), { maxSeconds: 30 })).map((t) => t.medianMs));
}
for (const s of sessions) await s.release();
console.log('| model | bytes | test accuracy | batch 1 ms | batch 64 ms | b1 / fp32 student | b64 / fp32 student | b1 / teacher | b64 / teacher |');
console.log('|---|---|---|---|---|---|---|---|---|');
files.forEach(([name, f], k) => {
  const r = k >= 2 ? reports.get(modes[k - 2]!)! : null;
  const acc = r ? r.accuracy!.after : k === 1 ? reports.get('off')!.accuracy!.before : null;
  const x = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
  console.log(`| ${name} | ${readFileSync(f).length.toLocaleString('en-US')} | ${acc === null ? '' : `${(100 * acc).toFixed(2)}%`} | ${ms[0]![k]!.toFixed(3)} | ${ms[1]![k]!.toFixed(2)} `
    + `| ${x(ms[0]![1]!, ms[0]![k]!)} | ${x(ms[1]![1]!, ms[1]![k]!)} | ${x(ms[0]![0]!, ms[0]![k]!)} | ${x(ms[1]![0]!, ms[1]![k]!)} |`);
});
