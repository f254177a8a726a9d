// int8 post-training quantization against the float models, side by side in one process: for each float model given,
// `quantize` (QDQ, calibrated on fashion-mnist's training images) writes the int8 model, then size, test accuracy and
// onnxruntime-node latency at batch 1 and 64 (alternating rounds, medians) are compared, and the int8 model is timed
// in onnxruntime-web's WebAssembly backend beside the float one.
// Usage: node dist/bench/quantize.bench.js OUTDIR DATA MODEL.onnx [MODEL.onnx ...]
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { quantize, profile } from '../src/api/index.js';
import { cpuFeatures } from '../src/runtime/index.js';

const [outDir, data, ...models] = process.argv.slice(2);
if (!outDir || !data || models.length === 0) {
  console.error('usage: node dist/bench/quantize.bench.js OUTDIR DATA MODEL.onnx [MODEL.onnx ...]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const cpu = cpuFeatures();
console.log(`cpu ${cpu.model}: ${Object.entries(cpu.flags ?? {}).filter(([, v]) => v).map(([k]) => k).join(', ')}`);
console.log('| model | fp32 bytes | int8 bytes | smaller | fp32 test | int8 test | fidelity | fused (float left) | batch 1 fp32 → int8 | batch 64 fp32 → int8 | web batch 1 fp32 → int8 |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const m of models) {
  const out = join(outDir, basename(m).replace(/\.onnx$/, '.int8.onnx'));
  const r = await quantize(m, data, out, { threads: 1 });
  const web = [await profile(m, { runtime: 'onnxruntime-web' }), await profile(out, { runtime: 'onnxruntime-web' })];
  const ms = (x: number): string => x.toFixed(3);
  const floatLeft = Object.values(r.floatOps).reduce((a, b) => a + b, 0);
  console.log(`| ${m} | ${r.size.before.toLocaleString('en-US')} | ${r.size.after.toLocaleString('en-US')} | ${(r.size.before / r.size.after).toFixed(2)}x `
    + `| ${(100 * r.accuracy!.before).toFixed(2)}% | ${(100 * r.accuracy!.after).toFixed(2)}% | ${(100 * r.fidelity).toFixed(2)}% | ${r.fused} of ${r.quantized} (${floatLeft}) `
    + `| ${ms(r.latencyMs!.before)} → ${ms(r.latencyMs!.after)} ms (${(r.latencyMs!.before / r.latencyMs!.after).toFixed(2)}x) `
    + `| ${ms(r.batch64Ms!.before)} → ${ms(r.batch64Ms!.after)} ms (${(r.batch64Ms!.before / r.batch64Ms!.after).toFixed(2)}x) `
    + `| ${ms(web[0]!.medianMs)} → ${ms(web[1]!.medianMs)} ms (${(web[0]!.medianMs / web[1]!.medianMs).toFixed(2)}x) |`);
}
