import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { loadOnnx } from '../../onnx/index.js';
import { countMacs, inferShapes } from '../../exec/index.js';
import type { Dim, Graph } from '../../graph/index.js';
import { analyzeGroups } from '../../prune/index.js';

/** What `whittle inspect --json` prints as its last line. */
export interface ModelReport {
  model: string;
  producer: string | null;
  opset: number;
  inputs: { name: string; dtype: string; shape: Dim[] | null }[];
  outputs: { name: string; dtype: string; shape: Dim[] | null }[];
  nodes: number;
  opTypes: Record<string, number>;
  /** Elements of the trainable tensors (BatchNorm running statistics are buffers, not parameters, as in PyTorch). */
  params: number;
  buffers: number;
  /** Multiply-accumulates of one sample (Conv, ConvTranspose, Gemm, MatMul; 1 multiply-add = 1 MAC), or null. */
  macs: number | null;
  /** The input shape the MACs were counted at (batch 1). */
  macsInput: number[] | null;
  /** Prunable channel groups (channels removed together) and what pruning leaves untouched, with why; null without shapes. */
  groups: { name: string; channels: number; members: string[] }[] | null;
  untouched: { node: string; reason: string }[] | null;
  notes: string[];
}

/** Parses a shape flag such as 1x3x32x32 (batch first). */
export function parseShapeFlag(flag: string, v: string): number[] {
  const parts = v.split('x').map(Number);
  if (v.trim() === '' || parts.some((n) => !Number.isInteger(n) || n < 1)) throw new ConfigError(flag, `expected dims joined by 'x', batch first (e.g. 1x3x32x32), got '${v}'`);
  return parts;
}

/** Loads a model, with the shape flag (when given) for its first input, checked against the model's rank. */
export function loadWithShape(path: string, flag: string, shape: string | undefined): { g: Graph; input: number[] | null } {
  if (shape === undefined) return { g: loadOnnx(path), input: null };
  const input = parseShapeFlag(flag, shape);
  const g = loadOnnx(path, { inputShapes: [input] });
  const want = g.inputs[0]?.shape;
  if (want && want.length !== input.length) {
    g.dispose();
    throw new ConfigError(flag, `the model's input '${g.inputs[0]!.name}' has ${want.length} dims [${want.join(', ')}], got ${input.length} (${shape}); give the batch too`);
  }
  return { g, input };
}

/** Summarises a loaded model; MACs need concrete input shapes (the model's own, or `input` for its first input). */
export function modelReport(g: Graph, model: string, input: number[] | null): ModelReport {
  const opTypes: Record<string, number> = {};
  for (const n of g.nodes) opTypes[n.opType] = (opTypes[n.opType] ?? 0) + 1;
  const notes: string[] = [];
  let macs: number | null = null;
  let macsInput: number[] | null = null;
  const first = g.inputs[0];
  const shapes: Record<string, number[]> = {};
  if (first && input) shapes[first.name] = [1, ...input.slice(1)];
  const symbolic = g.inputs.filter((i) => !shapes[i.name] && (!i.shape || i.shape.slice(1).some((d) => typeof d !== 'number')));
  if (symbolic.length) notes.push(`MACs need a concrete input shape: give --input (input '${symbolic[0]!.name}' is [${symbolic[0]!.shape?.join(', ') ?? '?'}])`);
  else {
    inferShapes(g, shapes);
    macs = countMacs(g).total;
    const v = first && g.valueInfo.get(first.name)?.shape;
    macsInput = v ? v.map((d) => (typeof d === 'number' ? d : 1)) : null;
  }
  let groups: ModelReport['groups'] = null;
  let untouched: ModelReport['untouched'] = null;
  if (macs !== null) {
    const dg = analyzeGroups(g);
    groups = dg.groups.map((grp) => ({ name: grp.name, channels: grp.units.length + grp.frozen, members: [...grp.members] }));
    untouched = dg.untouched.map((u) => ({ ...u }));
  }
  const producer = [g.metadata['producer_name'], g.metadata['producer_version']].filter((s) => s).join(' ');
  return {
    model,
    producer: producer || null,
    opset: g.opset,
    inputs: g.inputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape ? [...v.shape] : null })),
    outputs: g.outputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: (v.shape ?? g.valueInfo.get(v.name)?.shape) ? [...(v.shape ?? g.valueInfo.get(v.name)!.shape!)] : null })),
    nodes: g.nodes.length,
    opTypes,
    params: g.parameterCount(),
    buffers: g.tensorsOf('buffer').reduce((n, [, t]) => n + t.numel, 0),
    macs,
    macsInput,
    groups,
    untouched,
    notes,
  };
}

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const fmtShape = (s: readonly Dim[] | null): string => (s ? `[${s.join(', ')}]` : '[?]');

function printText(r: ModelReport): void {
  console.log(`model    ${r.model}${r.producer ? ` (${r.producer})` : ''}, opset ${r.opset}`);
  for (const v of r.inputs) console.log(`input    ${v.name}  ${v.dtype} ${fmtShape(v.shape)}`);
  for (const v of r.outputs) console.log(`output   ${v.name}  ${v.dtype} ${fmtShape(v.shape)}`);
  const ops = Object.entries(r.opTypes).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  console.log(`nodes    ${r.nodes}: ${ops.map(([op, n]) => `${op} ${n}`).join(', ')}`);
  console.log(`params   ${fmtInt(r.params)}${r.buffers ? ` (+ ${fmtInt(r.buffers)} BatchNorm running statistics, not counted)` : ''}`);
  if (r.macs !== null) console.log(`MACs     ${fmtInt(r.macs)} per sample at ${r.macsInput?.join('x') ?? '?'} (Conv, ConvTranspose, Gemm, MatMul; 1 multiply-add = 1 MAC)`);
  if (r.groups) console.log(`groups   ${r.groups.length} prunable channel groups`);
  for (const grp of r.groups ?? []) console.log(`  ${grp.name.padEnd(30)} ${String(grp.channels).padStart(5)} channels, ${grp.members.length} nodes: ${grp.members.slice(0, 6).join(', ')}${grp.members.length > 6 ? ', ...' : ''}`);
  for (const u of r.untouched ?? []) console.log(`  untouched ${u.node}: ${u.reason}`);
  for (const n of r.notes) console.log(`note     ${n}`);
}

/** Adds `whittle inspect MODEL.onnx`. */
export function registerInspect(p: Command): void {
  p.command('inspect')
    .description('show an ONNX model: inputs and outputs, nodes by op type, parameters, MACs per sample')
    .argument('<model>', 'an .onnx file')
    .option('--input <shape>', "input shape for the MAC count when the model's is symbolic, e.g. 1x3x32x32")
    .option('--json', 'print one JSON object as the last line')
    .action((model: string, f: { input?: string; json?: boolean }) => {
      const { g, input } = loadWithShape(model, '--input', f.input);
      try {
        const r = modelReport(g, model, input);
        if (f.json) console.log(JSON.stringify(r));
        else printText(r);
      } finally {
        g.dispose();
      }
    });
}
