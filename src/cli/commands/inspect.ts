import type { Command } from 'commander';
import type { Dim } from '../../graph/index.js';
import { inspect, type ModelReport } from '../../api/index.js';
import { formatWidth } from '../../prune/index.js';
import { inspectSpec } from '../../options/index.js';
import { addOptions, namingErrors, readOptions } from '../options.js';

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const fmtShape = (s: readonly Dim[] | null): string => (s ? `[${s.join(', ')}]` : '[?]');

/** ` (channels 3, hidden 1)`: how many groups of each kind, or nothing when there are none. */
function kindCounts(groups: NonNullable<ModelReport['groups']>): string {
  const n = new Map<string, number>();
  for (const g of groups) n.set(g.kind, (n.get(g.kind) ?? 0) + 1);
  return n.size ? ` (${[...n].map(([k, c]) => `${k} ${c}`).join(', ')})` : '';
}

function printText(r: ModelReport): void {
  console.log(`model    ${r.model}${r.producer ? ` (${r.producer})` : ''}, opset ${r.opset}`);
  for (const v of r.inputs) console.log(`input    ${v.name}  ${v.dtype} ${fmtShape(v.shape)}`);
  for (const v of r.outputs) console.log(`output   ${v.name}  ${v.dtype} ${fmtShape(v.shape)}`);
  const ops = Object.entries(r.opTypes).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  console.log(`nodes    ${r.nodes}: ${ops.map(([op, n]) => `${op} ${n}`).join(', ')}`);
  const int8 = r.quantized ? ' (an int8 file: stored as int8 weights and int32 biases)' : '';
  console.log(`params   ${fmtInt(r.params)}${int8}${r.buffers ? ` (+ ${fmtInt(r.buffers)} BatchNorm running statistics, not counted)` : ''}`);
  if (r.macs !== null) console.log(`MACs     ${fmtInt(r.macs)} per sample at ${r.macsInput?.join('x') ?? '?'} (Conv, ConvTranspose, Gemm, MatMul, RNN/GRU/LSTM; 1 multiply-add = 1 MAC)`);
  if (r.groups) console.log(`groups   ${r.groups.length} prunable groups${kindCounts(r.groups)}`);
  for (const grp of r.groups ?? []) console.log(`  ${grp.name.padEnd(30)} ${formatWidth(grp.kind, grp.widths).padEnd(16)} ${grp.members.length} nodes: ${grp.members.slice(0, 6).join(', ')}${grp.members.length > 6 ? ', ...' : ''}`);
  for (const u of r.untouched ?? []) console.log(`  untouched ${u.node}: ${u.reason}`);
  for (const [k, v] of Object.entries(r.metadata)) console.log(`metadata ${k} = ${v.length > 120 ? `${v.slice(0, 117)}...` : v}`);
  for (const n of r.notes) console.log(`note     ${n}`);
}

/** Adds `whittle inspect MODEL.onnx`: inspect() on an ONNX file. */
export function registerInspect(p: Command): void {
  const c = p.command('inspect')
    .description('show an ONNX model: inputs and outputs, nodes by op type, parameters, MACs per sample')
    .argument('<model>', 'an .onnx file');
  addOptions(c, inspectSpec)
    .option('--json', 'print one JSON object as the last line')
    .action(async (model: string, f: { json?: boolean }, cmd: Command) => {
      const { options, name } = readOptions(cmd, inspectSpec);
      const r = await namingErrors(inspectSpec, name, () => inspect(model, options));
      if (f.json) console.log(JSON.stringify(r));
      else printText(r);
    });
}
