import type { Command } from 'commander';
import { resolve } from 'node:path';
import { quantize, type QuantizeReport } from '../../api/index.js';
import { dataOption, quantizeSpec } from '../../options/index.js';
import { text } from '../../options/option.js';
import { addOptions, namingErrors, readOptions } from '../options.js';

const spec = { data: dataOption, output: text('the int8 ONNX file to write', { flags: '-o, --output <file>' }), ...quantizeSpec };

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const ms = (x: number): string => `${x.toFixed(3)} ms`;
const num = (x: number): string => x.toFixed(4);

function printText(r: QuantizeReport, output: string): void {
  console.log('layer                                    op                   SQNR');
  for (const l of r.layers) console.log(`${l.node.padEnd(40)} ${l.opType.padEnd(18)} ${Number.isFinite(l.sqnrDb) ? `${l.sqnrDb.toFixed(1).padStart(6)} dB` : '  exact'}${l.excluded ? '  (left in float)' : ''}`);
  const fused = Object.entries(r.fusedOps).map(([op, n]) => `${op} ${n}`).join(', ');
  const float = Object.entries(r.floatOps).map(([op, n]) => `${op} ${n}`).join(', ');
  console.log(`wrote ${output}: ${r.quantized} nodes quantized; onnxruntime fuses ${r.fused} into int8 kernels (${fused || 'none'})${float ? `; float kernels left: ${float}` : ''}`);
  console.log(`size      ${r.size.before.toLocaleString('en-US')} -> ${r.size.after.toLocaleString('en-US')} bytes (${(r.size.before / r.size.after).toFixed(2)}x smaller)`);
  if (r.accuracy) console.log(`accuracy  ${pct(r.accuracy.before)} -> ${pct(r.accuracy.after)} on the test split in onnxruntime-node (top-1 agreement with the float model ${pct(r.fidelity)})`);
  for (const [output, o] of Object.entries(r.outputs ?? {})) {
    const task = o.metrics ? `; against the labels ${Object.keys(o.metrics.after).map((k) => `${k} ${num(o.metrics!.before[k]!)} -> ${num(o.metrics!.after[k]!)}`).join(', ')}` : '';
    console.log(`output    '${output}' (${o.task}) on the test split in onnxruntime-node: fidelity to the float model ${Object.entries(o.fidelity).map(([k, v]) => `${k} ${num(v)}`).join(', ')}${task}`);
  }
  if (r.latencyMs && r.batch64Ms) {
    console.log(`latency   batch 1: ${ms(r.latencyMs.before)} -> ${ms(r.latencyMs.after)} (${(r.latencyMs.before / r.latencyMs.after).toFixed(2)}x); batch 64: ${ms(r.batch64Ms.before)} -> ${ms(r.batch64Ms.after)} (${(r.batch64Ms.before / r.batch64Ms.after).toFixed(2)}x)`);
  }
  if (r.excluded.length) console.log(`float     ${r.excluded.join(', ')}`);
  if (r.widened.length) console.log(`widened   ${r.widened.map((w) => `${w.group} ${w.from} -> ${w.to}`).join(', ')} channels (zero channels, where onnxruntime's int8 kernels run faster)`);
}

/** Adds `whittle quantize IN.onnx -o OUT.onnx --data SPEC`: quantize() on an ONNX file. */
export function registerQuantize(p: Command): void {
  const c = p.command('quantize')
    .description('static int8 post-training quantization for onnxruntime (QDQ, per-channel weights, calibrated activations); reports each layer\'s SQNR, size, accuracy and latency before and after')
    .argument('<model>', 'the float ONNX model');
  addOptions(c, spec)
    .option('--json', 'print one JSON object as the last line')
    .action(async (model: string, f: { json?: boolean }, cmd: Command) => {
      const { options: { data, output, ...options }, name } = readOptions(cmd, spec);
      const onProgress = f.json ? undefined : (m: string): void => void process.stderr.write(`${m}\n`);
      const r = await namingErrors(spec, name, () => quantize(model, data, resolve(output), { ...options, ...(onProgress ? { onProgress } : {}) }));
      if (f.json) console.log(JSON.stringify({ model, output, data, ...r }));
      else printText(r, output);
    });
}
