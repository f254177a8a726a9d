import type { DType } from '../tensor/index.js';
import { attrInt, attrInts, attrString, type Node } from '../graph/index.js';

/** A value's shape and dtype, all that shape inference carries for values whose contents do not matter. */
export interface ShapeOf {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** Ops whose outputs carry no values of their inputs' data, only of their shapes. */
export const SHAPE_ONLY: ReadonlySet<string> = new Set(['Shape', 'Size', 'ConstantOfShape']);

/**
 * Ops whose output shapes follow from their input shapes and attributes alone, computed here in JS so that shape
 * inference and the importer's probe need not run them (Conv, MatMul and Gemm are most of a forward pass). Every rule
 * checks what the kernel would check for the shape (channels, inner dims, broadcasting) and answers undefined where
 * in doubt: the caller then runs the kernel, which computes or reports the problem itself.
 */
const SAME = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Erf', 'Gelu', 'Softmax', 'LogSoftmax', 'HardSigmoid', 'HardSwish', 'Elu',
  'Selu', 'Softplus', 'Softsign', 'Mish', 'Neg', 'Abs', 'Sqrt', 'Exp', 'Log', 'Reciprocal', 'Identity', 'Sin', 'Cos',
  'Celu', 'ThresholdedRelu', 'Clip', 'Dropout', 'LayerNormalization', 'BatchNormalization', 'InstanceNormalization',
  'LRN',
]);
const ARITH = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'PRelu']);
const COMPARE = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor']);

/** Numpy broadcasting of shapes; undefined when they do not broadcast. */
export function broadcastShapes(shapes: readonly (readonly number[])[]): number[] | undefined {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    const dims = shapes.map((s) => s[s.length - rank + k] ?? 1);
    const big = dims.filter((d) => d !== 1);
    if (big.some((d) => d !== big[0])) return undefined;
    out.push(big[0] ?? 1);
  }
  return out;
}

function matmulShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  if (a2[a2.length - 1] !== b2[b2.length - 2]) return undefined;
  const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)]);
  if (!batch) return undefined;
  return [...batch, ...(a.length === 1 ? [] : [a2[a2.length - 2]!]), ...(b.length === 1 ? [] : [b2[b2.length - 1]!])];
}

/** Output spatial sizes of a convolution or pooling window with explicit pads (floor mode). */
function windowOut(node: Node, dims: readonly number[], kernel: readonly number[]): number[] | undefined {
  if (attrString(node, 'auto_pad', 'NOTSET') !== 'NOTSET') return undefined;
  const n = dims.length;
  const strides = attrInts(node, 'strides', new Array<number>(n).fill(1));
  const dil = attrInts(node, 'dilations', new Array<number>(n).fill(1));
  const pads = attrInts(node, 'pads', new Array<number>(2 * n).fill(0));
  if (kernel.length !== n || strides.length !== n || dil.length !== n || pads.length !== 2 * n) return undefined;
  const out = dims.map((d, i) => Math.floor((d + pads[i]! + pads[i + n]! - dil[i]! * (kernel[i]! - 1) - 1) / strides[i]!) + 1);
  return out.every((v) => v >= 1) ? out : undefined;
}

function conv(node: Node, x: ShapeOf, w: ShapeOf, b: ShapeOf | null): ShapeOf[] | undefined {
  const group = attrInt(node, 'group', 1);
  const m = w.shape[0]!;
  if (x.shape.length < 3 || x.shape.length > 5 || w.shape.length !== x.shape.length || x.shape[1] !== w.shape[1]! * group || m % group !== 0) return undefined;
  if (b && (b.shape.length !== 1 || b.shape[0] !== m)) return undefined;
  const ks = attrInts(node, 'kernel_shape', w.shape.slice(2));
  if (ks.some((k, i) => k !== w.shape[i + 2])) return undefined;
  const sp = windowOut(node, x.shape.slice(2), ks);
  return sp && [{ shape: [x.shape[0]!, m, ...sp], dtype: x.dtype }];
}

function gemm(node: Node, a: ShapeOf, b: ShapeOf, c: ShapeOf | null): ShapeOf[] | undefined {
  if (a.shape.length !== 2 || b.shape.length !== 2) return undefined;
  const [m, k] = attrInt(node, 'transA', 0) ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [k2, n] = attrInt(node, 'transB', 0) ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (k !== k2) return undefined;
  if (c && !sameShape(broadcastShapes([[m, n], c.shape]), [m, n])) return undefined;
  return [{ shape: [m, n], dtype: a.dtype }];
}

/** A normalisation's scale, bias and statistics fit its input as the kernel requires (other ops: true). */
function normParamsFit(node: Node, x: ShapeOf, params: readonly (ShapeOf | null)[]): boolean {
  const op = node.opType;
  const given = params.filter((p): p is ShapeOf => p !== null);
  if (op === 'LayerNormalization') {
    const r = x.shape.length;
    const a = attrInt(node, 'axis', -1);
    const axis = a < 0 ? a + r : a;
    if (axis < 0 || axis >= r) return false;
    const tail = x.shape.slice(axis);
    return given.every((p) => p.dtype === x.dtype && sameShape(broadcastShapes([tail, p.shape]), tail));
  }
  if (op === 'BatchNormalization' || op === 'InstanceNormalization') {
    return x.shape.length >= 2 && given.every((p) => p.dtype === x.dtype && p.shape.length === 1 && p.shape[0] === x.shape[1]);
  }
  return true;
}

const sameShape = (a: readonly number[] | undefined, b: readonly number[]): boolean => !!a && a.length === b.length && a.every((v, i) => v === b[i]);

/** The values of a small integer input (a shape, axes, pads) when they are known, by input position. */
export type SmallValues = (input: number) => readonly number[] | undefined;

const numel = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** Ops whose output shape needs the values of a small input (a target shape, axes, pads). */
function valueRule(node: Node, x: ShapeOf, values: SmallValues): number[] | undefined {
  const r = x.shape.length;
  switch (node.opType) {
    case 'Reshape': {
      const t = values(1);
      if (!t || attrInt(node, 'allowzero', 0) !== 0) return undefined;
      const out = t.map((v, i) => (v === 0 ? x.shape[i] : v));
      if (out.some((v) => v === undefined || v < -1) || out.filter((v) => v === -1).length > 1) return undefined;
      const known = numel((out as number[]).filter((v) => v !== -1));
      const total = numel(x.shape);
      if (!out.includes(-1)) return known === total ? (out as number[]) : undefined;
      return known > 0 && total > 0 && total % known === 0 ? (out as number[]).map((v) => (v === -1 ? total / known : v)) : undefined;
    }
    case 'Unsqueeze': {
      const axes = node.inputs[1] ? values(1) : attrInts(node, 'axes', []);
      if (!axes || axes.length === 0) return undefined;
      const rank = r + axes.length;
      const at = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
      if (at.size !== axes.length || [...at].some((a) => a < 0 || a >= rank)) return undefined;
      const out: number[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) out.push(at.has(i) ? 1 : x.shape[k++]!);
      return out;
    }
    case 'Expand': {
      const t = values(1);
      return t ? broadcastShapes([x.shape, t]) : undefined;
    }
    case 'Pad': {
      if (node.inputs[3]) return undefined;
      const pads = node.inputs[1] ? values(1) : attrInts(node, 'pads', []);
      if (!pads || pads.length !== 2 * r) return undefined;
      const out = x.shape.map((d, i) => d + pads[i]! + pads[i + r]!);
      return out.every((v) => v >= 0) ? out : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The output shapes and dtypes of `node` from its inputs' (null for an absent optional input), or undefined when no
 * rule here covers the node or its inputs look wrong for it. Only single-output forms are covered. Reshape,
 * Unsqueeze, Expand and Pad need their small input's values from `values`.
 */
export function ruleShapes(node: Node, ins: readonly (ShapeOf | null)[], values?: SmallValues): ShapeOf[] | undefined {
  if (node.domain !== '' || node.outputs.length !== 1) return undefined;
  const op = node.opType;
  const x = ins[0];
  if (!x) return undefined;
  const present = ins.filter((i): i is ShapeOf => i !== null);
  if (SAME.has(op)) {
    if (!normParamsFit(node, x, ins.slice(1))) return undefined;
    return [{ shape: x.shape, dtype: x.dtype }];
  }
  if (ARITH.has(op) || COMPARE.has(op) || op === 'Where') {
    const data = op === 'Where' ? present.slice(1) : present;
    if (data.length === 0 || data.some((i) => i.dtype !== data[0]!.dtype)) return undefined;
    const shape = broadcastShapes(present.map((i) => i.shape));
    if (!shape || (op === 'PRelu' && !sameShape(shape, x.shape))) return undefined;
    return [{ shape, dtype: COMPARE.has(op) ? 'bool' : data[0]!.dtype }];
  }
  if (op === 'Not') return x.dtype === 'bool' ? [{ shape: x.shape, dtype: 'bool' }] : undefined;
  if (op === 'MatMul') {
    const b = ins[1];
    const shape = b && b.dtype === x.dtype ? matmulShape(x.shape, b.shape) : undefined;
    return shape && [{ shape, dtype: x.dtype }];
  }
  if (op === 'Gemm') return ins[1] ? gemm(node, x, ins[1], ins[2] ?? null) : undefined;
  if (op === 'Conv') return ins[1] ? conv(node, x, ins[1], ins[2] ?? null) : undefined;
  if (op === 'Transpose') {
    const r = x.shape.length;
    const perm = attrInts(node, 'perm', x.shape.map((_, i) => r - 1 - i));
    if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => p < 0 || p >= r)) return undefined;
    return [{ shape: perm.map((p) => x.shape[p]!), dtype: x.dtype }];
  }
  if (op === 'GlobalAveragePool' || op === 'GlobalMaxPool') {
    return x.shape.length >= 3 ? [{ shape: [...x.shape.slice(0, 2), ...x.shape.slice(2).map(() => 1)], dtype: x.dtype }] : undefined;
  }
  if (op === 'Gather') {
    const idx = ins[1];
    const r = x.shape.length;
    let a = attrInt(node, 'axis', 0);
    if (a < 0) a += r;
    if (!idx || a < 0 || a >= r || (idx.dtype !== 'int64' && idx.dtype !== 'int32')) return undefined;
    return [{ shape: [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)], dtype: x.dtype }];
  }
  if (op === 'Concat') {
    const r = x.shape.length;
    let a = attrInt(node, 'axis', 0);
    if (a < 0) a += r;
    if (a < 0 || a >= r || present.length !== ins.length) return undefined;
    if (present.some((i) => i.dtype !== x.dtype || i.shape.length !== r || i.shape.some((d, k) => k !== a && d !== x.shape[k]))) return undefined;
    const shape = [...x.shape];
    shape[a] = present.reduce((t, i) => t + i.shape[a]!, 0);
    return [{ shape, dtype: x.dtype }];
  }
  if (values) {
    const shape = valueRule(node, x, values);
    if (shape) return [{ shape, dtype: x.dtype }];
  }
  if (op === 'Flatten') {
    const r = x.shape.length;
    let a = attrInt(node, 'axis', 1);
    if (a < 0) a += r;
    if (a < 0 || a > r) return undefined;
    const prod = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
    return [{ shape: [prod(x.shape.slice(0, a)), prod(x.shape.slice(a))], dtype: x.dtype }];
  }
  return undefined;
}
