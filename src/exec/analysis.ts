import type { DType } from '../tensor/index.js';
import { fixedBatchOf, GraphError, type Dim, type Graph, type Node, type ValueInfo } from '../graph/index.js';
import { walkShapes } from './shape-walk.js';
import type { ShapeOf } from './shape-rules.js';

/** Concrete input shapes by input name; symbolic dims of the graph inputs must be given here (except the batch). */
export type InputShapes = Readonly<Record<string, readonly number[]>>;

function concrete(g: Graph, given: InputShapes, batch: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const i of g.inputs) {
    const s = given[i.name] ?? i.shape;
    if (!s) throw new GraphError(`input '${i.name}' has no known shape; give one (e.g. --input 1x3x224x224)`);
    out[i.name] = s.map((d, k) => {
      if (k === 0) return batch;
      if (typeof d === 'number') return d;
      throw new GraphError(`input '${i.name}' dim ${k} is symbolic ('${d}'); give a concrete shape (e.g. --input 1x3x224x224)`);
    });
  }
  return out;
}

function shapesAt(g: Graph, dims: Record<string, number[]>, dtypeOf: (name: string) => DType): Map<string, ShapeOf> {
  const known = walkShapes(g, dims, dtypeOf);
  const m = new Map<string, ShapeOf>();
  for (const n of g.nodes) {
    for (const o of n.outputs) {
      if (!o) continue;
      const k = known.get(o);
      if (!k) throw new GraphError(`value '${o}' was not computed`, undefined, n.name);
      m.set(o, k);
    }
  }
  return m;
}

/**
 * Fills g.valueInfo with the shape and dtype of every value, by walking the graph at batch 1 and batch 2 on zeros
 * (walkShapes: shape rules where they hold, kernels elsewhere): a dim that follows the batch becomes the batch symbol
 * of the first input (e.g. 'N'). A graph fixed at its export batch (fixedBatchOf) is walked once, at that batch.
 * Returns g.valueInfo.
 */
export function inferShapes(g: Graph, given: InputShapes = {}): Map<string, ValueInfo> {
  const dtypeOf = (name: string): DType => g.inputs.find((i) => i.name === name)?.dtype ?? 'float32';
  // A graph that only runs at the batch it was exported with is measured there, its shapes all numbers.
  const fixed = fixedBatchOf(g)?.batch;
  const one = shapesAt(g, concrete(g, given, fixed ?? 1), dtypeOf);
  const two = fixed === undefined ? shapesAt(g, concrete(g, given, 2), dtypeOf) : one;
  const first = g.inputs[0]?.shape?.[0];
  const sym = typeof first === 'string' ? first : 'N';
  g.valueInfo.clear();
  for (const i of g.inputs) {
    const s = concrete(g, given, fixed ?? 1)[i.name]!;
    g.valueInfo.set(i.name, { name: i.name, dtype: i.dtype, shape: [fixed ?? sym, ...s.slice(1)] });
  }
  for (const [name, { tensor }] of g.initializers) g.valueInfo.set(name, { name, dtype: tensor.dtype, shape: tensor.shape });
  for (const [name, a] of one) {
    const b = two.get(name)!;
    const shape: Dim[] = a.shape.map((d, k) => (b.shape[k] !== d ? sym : d));
    const folded = shape.some((d, k) => typeof d === 'string' && a.shape[k] !== 1);
    g.valueInfo.set(name, { name, dtype: a.dtype, shape, ...(folded ? { atBatch1: a.shape } : {}) });
  }
  return g.valueInfo;
}

/**
 * A value's shape at batch 1: as inferShapes measured it where a dim grows with the batch but is not the batch itself
 * (N·H heads folded by attention, T·N tokens; kept in the valueInfo, so clones keep it too), else symbols read as 1.
 */
export function shapeAtBatch1(g: Graph, name: string): number[] {
  const v = g.valueInfo.get(name);
  if (v?.atBatch1) return [...v.atBatch1];
  if (!v?.shape) throw new GraphError(`no shape for '${name}'; run inferShapes first`);
  return v.shape.map((d) => (typeof d === 'number' ? d : 1));
}

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/**
 * Multiply-accumulates of one sample (batch 1), counted as thop/fvcore do: one multiply-add = 1 MAC, for Conv,
 * ConvTranspose, Gemm, MatMul and RNN/GRU/LSTM only (normalisation, activations and pooling are not counted). Needs
 * inferShapes.
 */
export function countMacs(g: Graph): { total: number; byNode: Map<string, number> } {
  const byNode = new Map<string, number>();
  for (const n of g.nodes) {
    let macs = 0;
    if (n.opType === 'Conv') {
      const w = shapeAtBatch1(g, n.inputs[1]!);
      macs = prod(shapeAtBatch1(g, n.outputs[0]!)) * prod(w.slice(1));
    } else if (n.opType === 'ConvTranspose') {
      const w = shapeAtBatch1(g, n.inputs[1]!);
      macs = prod(shapeAtBatch1(g, n.inputs[0]!)) * prod(w.slice(1));
    } else if (n.opType === 'Gemm' || n.opType === 'MatMul') {
      const a = shapeAtBatch1(g, n.inputs[0]!);
      const transA = n.opType === 'Gemm' && n.attrs['transA']?.kind === 'int' && n.attrs['transA'].value === 1;
      const k = transA ? a[0]! : a[a.length - 1]!;
      macs = prod(shapeAtBatch1(g, n.outputs[0]!)) * k;
    } else if (n.opType === 'RNN' || n.opType === 'GRU' || n.opType === 'LSTM') {
      macs = recurrentMacs(n, shapeAtBatch1(g, n.inputs[0]!), shapeAtBatch1(g, n.inputs[1]!));
    }
    if (macs) byNode.set(n.name, macs);
  }
  return { total: [...byNode.values()].reduce((a, b) => a + b, 0), byNode };
}

/**
 * An RNN, GRU or LSTM node's MACs per sample: directions x steps x (gates x H) x (I + H), the input and recurrent
 * matrix products of every step (W is [directions, gates x H, I]; X is [T, B, I], or [B, T, I] with layout 1).
 */
function recurrentMacs(n: Node, x: readonly number[], w: readonly number[]): number {
  const layout = n.attrs['layout']?.kind === 'int' ? n.attrs['layout'].value : 0;
  const steps = x[layout === 1 ? 1 : 0]!;
  const [dirs, gh, input] = w as [number, number, number];
  const gates = n.opType === 'LSTM' ? 4 : n.opType === 'GRU' ? 3 : 1;
  return dirs * steps * gh * (input + gh / gates);
}
