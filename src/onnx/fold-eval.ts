import type { DType } from '../tensor/index.js';
import type { Node, TensorData } from '../graph/index.js';
import { dtypeOf } from './tensor-proto.js';

/**
 * A small tensor held in JS while folding what exporters leave behind (shape arithmetic): values as plain numbers,
 * int64 included (exact below 2^53, which shape values are; INT64_MAX/MIN are clamped back when written).
 */
export interface Small {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

/** What folding knows about a value: always its shape, and its values when small. */
export interface Known {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly small?: Small;
}

/** Values are folded in JS only up to this many elements; bigger results stay as nodes. */
export const SMALL = 65536;

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const isInt = (d: DType): boolean => d !== 'float32' && d !== 'float64' && d !== 'float16' && d !== 'bfloat16';

/** A known small integer value's numbers (what the shape rules read: a shape, axes, pads), else undefined. */
export function intsOf(k: Known | null | undefined): readonly number[] | undefined {
  const s = k?.small;
  return s && (s.dtype === 'int64' || s.dtype === 'int32') && s.shape.length <= 1 ? s.data : undefined;
}

export function toSmall(t: TensorData): Small | undefined {
  if (numel(t.shape) > SMALL) return undefined;
  const data = t.data instanceof BigInt64Array ? Array.from(t.data, Number) : Array.from(t.data as ArrayLike<number>);
  return { dtype: t.dtype, shape: [...t.shape], data };
}

const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;

/** Back to typed data (int64 values at or beyond ±2^63 clamp to INT64_MAX/MIN, as exporters mean "to the end"). */
export function fromSmall(s: Small): TensorData {
  const shape = [...s.shape];
  switch (s.dtype) {
    case 'int64': return { dtype: 'int64', shape, data: BigInt64Array.from(s.data, (v) => (v >= 9.2e18 ? I64_MAX : v <= -9.2e18 ? I64_MIN : BigInt(Math.trunc(v)))) };
    case 'int32': return { dtype: 'int32', shape, data: Int32Array.from(s.data) };
    case 'int16': return { dtype: 'int16', shape, data: Int16Array.from(s.data) };
    case 'int8': return { dtype: 'int8', shape, data: Int8Array.from(s.data) };
    case 'uint8': case 'bool': return { dtype: s.dtype, shape, data: Uint8Array.from(s.data) };
    case 'float64': return { dtype: 'float64', shape, data: Float64Array.from(s.data) };
    default: return { dtype: 'float32', shape, data: Float32Array.from(s.data) };
  }
}

function strides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
  return st;
}

/** Numpy broadcasting of small tensors. */
function broadcast(xs: readonly Small[], dtype: DType, f: (v: number[]) => number): Small | undefined {
  const rank = Math.max(...xs.map((x) => x.shape.length));
  const shape: number[] = [];
  for (let k = 0; k < rank; k++) {
    const dims = xs.map((x) => x.shape[x.shape.length - rank + k] ?? 1);
    const d = Math.max(...dims);
    if (dims.some((v) => v !== 1 && v !== d)) return undefined;
    shape.push(dims.includes(0) ? 0 : d);
  }
  const n = numel(shape);
  if (n > SMALL) return undefined;
  const outSt = strides(shape);
  const inSt = xs.map((x) => {
    const s = strides(x.shape);
    return shape.map((_, k) => {
      const j = k - (rank - x.shape.length);
      return j < 0 || x.shape[j] === 1 ? 0 : s[j]!;
    });
  });
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const args = xs.map((x, a) => {
      let off = 0;
      for (let k = 0; k < rank; k++) off += Math.floor(i / outSt[k]!) % shape[k]! * inSt[a]![k]!;
      return x.data[off]!;
    });
    data[i] = f(args);
  }
  return { dtype, shape, data };
}

/** Gathers elements by a function from output index to input flat offset. */
function gatherBy(x: Small, shape: number[], at: (idx: number[]) => number | undefined): Small | undefined {
  const n = numel(shape);
  if (n > SMALL) return undefined;
  const st = strides(shape);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const idx = shape.map((d, k) => Math.floor(i / st[k]!) % d);
    const off = at(idx);
    if (off === undefined) return undefined;
    data[i] = x.data[off]!;
  }
  return { dtype: x.dtype, shape, data };
}

const normAxis = (a: number, rank: number): number => (a < 0 ? a + rank : a);
const ints = (node: Node, name: string): readonly number[] | undefined => (node.attrs[name]?.kind === 'ints' ? (node.attrs[name]!.value as number[]) : undefined);
const int = (node: Node, name: string, d: number): number => (node.attrs[name]?.kind === 'int' ? (node.attrs[name]!.value as number) : d);

function castValue(v: number, to: DType): number {
  if (to === 'bool') return v !== 0 ? 1 : 0;
  if (!isInt(to)) return to === 'float32' ? Math.fround(v) : v;
  return Math.trunc(v);
}

function arith(op: string, dtype: DType): ((v: number[]) => number) | undefined {
  const intDiv = isInt(dtype);
  const t = (v: number): number => (isInt(dtype) ? Math.trunc(v) : dtype === 'float32' ? Math.fround(v) : v);
  switch (op) {
    case 'Add': return ([a, b]) => t(a! + b!);
    case 'Sub': return ([a, b]) => t(a! - b!);
    case 'Mul': return ([a, b]) => t(a! * b!);
    case 'Div': return ([a, b]) => (intDiv ? (b === 0 ? NaN : Math.trunc(a! / b!)) : t(a! / b!));
    case 'Pow': return ([a, b]) => t(a! ** b!);
    case 'Max': return (v) => Math.max(...v);
    case 'Min': return (v) => Math.min(...v);
    default: return undefined;
  }
}

/** Mod: C's fmod (the dividend's sign) or, with fmod=0, Python's % (the divisor's sign). */
const modOf = (fmod: boolean) => ([a, b]: number[]): number => (fmod ? a! % b! : a! - Math.floor(a! / b!) * b!);

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  Equal: (a, b) => a === b, Less: (a, b) => a < b, Greater: (a, b) => a > b, LessOrEqual: (a, b) => a <= b, GreaterOrEqual: (a, b) => a >= b,
  And: (a, b) => !!a && !!b, Or: (a, b) => !!a || !!b, Xor: (a, b) => !!a !== !!b,
};
const UNARY: Record<string, (a: number) => number> = {
  Neg: (a) => -a, Abs: Math.abs, Floor: Math.floor, Ceil: Math.ceil, Sqrt: Math.sqrt, Not: (a) => (a ? 0 : 1), Sign: Math.sign, Reciprocal: (a) => 1 / a,
};

/** Ops the folder evaluates in JS (on small values; Shape and Size only need their input's shape). */
export const FOLDABLE = new Set([
  'Shape', 'Size', 'Identity', 'Cast', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Reshape', 'Slice', 'Transpose', 'ConstantOfShape', 'Range', 'Where',
  'Add', 'Sub', 'Mul', 'Div', 'Mod', 'Pow', 'Max', 'Min', ...Object.keys(COMPARE), ...Object.keys(UNARY),
]);

/**
 * Evaluates one node in JS, or returns undefined when it cannot (an input without values, an out-of-range index, a
 * result larger than SMALL). Never throws on odd input: folding is an optimisation, the executor has the last word.
 */
export function evalNode(node: Node, inputs: readonly (Known | null)[], opset: number): Small[] | undefined {
  const op = node.opType;
  if (op === 'Shape' || op === 'Size') {
    const x = inputs[0];
    if (!x) return undefined;
    if (op === 'Size') return [{ dtype: 'int64', shape: [], data: [numel(x.shape)] }];
    const r = x.shape.length;
    const clampAxis = (a: number): number => Math.min(Math.max(normAxis(a, r), 0), r);
    const start = opset >= 15 ? clampAxis(int(node, 'start', 0)) : 0;
    const end = opset >= 15 && node.attrs['end'] ? clampAxis(int(node, 'end', r)) : r;
    const dims = x.shape.slice(start, Math.max(start, end));
    return [{ dtype: 'int64', shape: [dims.length], data: dims }];
  }
  const xs = inputs.map((k) => k?.small ?? null);
  const need = (i: number): Small | undefined => xs[i] ?? undefined;
  const x = need(0);
  if (op === 'ConstantOfShape') {
    if (!x) return undefined;
    const shape = x.data;
    if (shape.some((d) => !Number.isInteger(d) || d < 0) || numel(shape) > SMALL) return undefined;
    const v = node.attrs['value'];
    const t = v?.kind === 'tensor' ? toSmall(v.value) : undefined;
    const dtype = t?.dtype ?? 'float32';
    return [{ dtype, shape: [...shape], data: new Array<number>(numel(shape)).fill(t?.data[0] ?? 0) }];
  }
  if (op === 'Range') {
    const [s, l, d] = [need(0), need(1), need(2)];
    if (!s || !l || !d || !d.data[0]) return undefined;
    const n = Math.max(Math.ceil((l.data[0]! - s.data[0]!) / d.data[0]!), 0);
    if (n > SMALL) return undefined;
    return [{ dtype: s.dtype, shape: [n], data: Array.from({ length: n }, (_, i) => s.data[0]! + i * d.data[0]!) }];
  }
  if (!x) return undefined;
  if (op === 'Identity') return [x];
  if (op === 'Cast') {
    const to = dtypeOf(int(node, 'to', 0));
    return to ? [{ dtype: to, shape: x.shape, data: x.data.map((v) => castValue(v, to)) }] : undefined;
  }
  if (UNARY[op]) return [{ ...x, data: x.data.map(UNARY[op]!) }];
  if (op === 'Mod') return wrap(need(1)?.data.includes(0) === false ? broadcast([x, need(1)!], x.dtype, modOf(int(node, 'fmod', 0) === 1)) : undefined);
  const ar = arith(op, x.dtype);
  if (ar) {
    const all = xs.filter((v): v is Small => v !== null);
    if (all.length !== inputs.length) return undefined;
    const r = broadcast(all, x.dtype, ar);
    return r && [r];
  }
  if (COMPARE[op]) {
    const y = need(1);
    const f = COMPARE[op]!;
    const r = y && broadcast([x, y], 'bool', ([a, b]) => (f(a!, b!) ? 1 : 0));
    return r && [r];
  }
  if (op === 'Where') {
    const [a, b] = [need(1), need(2)];
    const r = a && b && broadcast([x, a, b], a.dtype, ([c, p, q]) => (c ? p! : q!));
    return r && [r];
  }
  const r = x.shape.length;
  const axesOf = (i: number): readonly number[] | undefined => (opset >= 13 || op === 'Slice' ? (inputs[i] ? need(i)?.data : undefined) : ints(node, 'axes'));
  switch (op) {
    case 'Unsqueeze': {
      const axes = axesOf(1);
      if (!axes) return undefined;
      const out = r + axes.length;
      const set = new Set(axes.map((a) => normAxis(a, out)));
      const shape: number[] = [];
      let k = 0;
      for (let i = 0; i < out; i++) shape.push(set.has(i) ? 1 : x.shape[k++]!);
      return k === r ? [{ ...x, shape }] : undefined;
    }
    case 'Squeeze': {
      const axes = axesOf(1);
      const set = new Set((axes ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => normAxis(a, r)));
      if ([...set].some((a) => x.shape[a] !== 1)) return undefined;
      return [{ ...x, shape: x.shape.filter((_, i) => !set.has(i)) }];
    }
    case 'Reshape': {
      const target = need(1)?.data;
      if (!target) return undefined;
      const allowZero = int(node, 'allowzero', 0) === 1;
      const shape = target.map((d, i) => (d === 0 && !allowZero ? x.shape[i]! : d));
      const known = shape.filter((d) => d !== -1);
      const n = numel(x.shape);
      if (shape.filter((d) => d === -1).length > 1 || known.some((d) => d < 0)) return undefined;
      const rest = numel(known);
      const full = shape.map((d) => (d === -1 ? (rest ? n / rest : 0) : d));
      return numel(full) === n && full.every(Number.isInteger) ? [{ ...x, shape: full }] : undefined;
    }
    case 'Gather': {
      const idx = need(1);
      if (!idx) return undefined;
      const axis = normAxis(int(node, 'axis', 0), r);
      if (axis < 0 || axis >= r) return undefined;
      const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
      const st = strides(x.shape);
      const ist = strides(idx.shape);
      return wrap(gatherBy(x, shape, (o) => {
        let flat = 0;
        for (let k = 0; k < idx.shape.length; k++) flat += o[axis + k]! * ist[k]!;
        let j = idx.data[flat]!;
        if (j < 0) j += x.shape[axis]!;
        if (j < 0 || j >= x.shape[axis]!) return undefined;
        let off = j * st[axis]!;
        for (let k = 0; k < axis; k++) off += o[k]! * st[k]!;
        for (let k = axis + 1; k < r; k++) off += o[k + idx.shape.length - 1]! * st[k]!;
        return off;
      }));
    }
    case 'Transpose': {
      const perm = ints(node, 'perm') ?? x.shape.map((_, i) => r - 1 - i);
      if (perm.length !== r || new Set(perm.map((p) => normAxis(p, r))).size !== r) return undefined;
      const p = perm.map((a) => normAxis(a, r));
      const st = strides(x.shape);
      return wrap(gatherBy(x, p.map((a) => x.shape[a]!), (o) => o.reduce((off, v, k) => off + v * st[p[k]!]!, 0)));
    }
    case 'Concat': {
      const all = xs.filter((v): v is Small => v !== null);
      if (all.length !== inputs.filter((i) => i).length) return undefined;
      const axis = normAxis(int(node, 'axis', 0), r);
      if (axis < 0 || axis >= r || all.some((v) => v.shape.length !== r || v.shape.some((d, k) => k !== axis && d !== x.shape[k]))) return undefined;
      const shape = x.shape.map((d, k) => (k === axis ? all.reduce((s, v) => s + v.shape[axis]!, 0) : d));
      const outer = numel(x.shape.slice(0, axis));
      const data: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const v of all) {
          const chunk = numel(v.shape.slice(axis));
          for (let i = 0; i < chunk; i++) data.push(v.data[o * chunk + i]!);
        }
      }
      return [{ dtype: x.dtype, shape, data }];
    }
    case 'Slice': {
      const starts = need(1)?.data;
      const ends = need(2)?.data;
      if (!starts || !ends) return undefined;
      const axes = inputs[3] ? need(3)?.data : starts.map((_, i) => i);
      const steps = inputs[4] ? need(4)?.data : starts.map(() => 1);
      if (!axes || !steps) return undefined;
      const begin = x.shape.map(() => 0);
      const step = x.shape.map(() => 1);
      const shape = [...x.shape];
      for (let i = 0; i < starts.length; i++) {
        const a = normAxis(axes[i]!, r);
        const d = x.shape[a]!;
        const s = steps[i]!;
        if (a < 0 || a >= r || !s) return undefined;
        const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
        const b = s > 0 ? clamp(starts[i]!, 0, d) : clamp(starts[i]!, -1, d - 1);
        const e = s > 0 ? clamp(ends[i]!, 0, d) : clamp(ends[i]!, -1, d - 1);
        begin[a] = b;
        step[a] = s;
        shape[a] = Math.max(0, Math.ceil((e - b) / s));
      }
      const st = strides(x.shape);
      return wrap(gatherBy(x, shape, (o) => o.reduce((off, v, k) => off + (begin[k]! + v * step[k]!) * st[k]!, 0)));
    }
    default: return undefined;
  }
}

const wrap = (s: Small | undefined): Small[] | undefined => (s ? [s] : undefined);
