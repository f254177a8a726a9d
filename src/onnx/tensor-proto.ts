import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { isAbsolute, relative, resolve } from 'node:path';
import type { DType } from '../tensor/index.js';
import type { TensorData } from '../graph/index.js';
import { DataType, big, num, type Int64, type TensorProto } from './proto/index.js';
import { OnnxError } from './errors.js';

/** Largest dimension accepted anywhere in a model (ONNX runtimes index with int32 in places; libtorch would try). */
export const MAX_DIM = 2 ** 31 - 1;

type Layout = { dtype: DType; bytes: number; view: (buf: ArrayBuffer, offset: number, n: number) => TensorData['data']; make: (buf: ArrayBuffer, n: number) => TensorData['data'] };

function layout(dtype: DType, bytes: number, view: Layout['view']): Layout {
  return { dtype, bytes, view, make: (b, n) => view(b, 0, n) };
}

const LAYOUTS: Partial<Record<number, Layout>> = {
  [DataType.FLOAT]: layout('float32', 4, (b, o, n) => new Float32Array(b, o, n)),
  [DataType.DOUBLE]: layout('float64', 8, (b, o, n) => new Float64Array(b, o, n)),
  [DataType.INT64]: layout('int64', 8, (b, o, n) => new BigInt64Array(b, o, n)),
  [DataType.INT32]: layout('int32', 4, (b, o, n) => new Int32Array(b, o, n)),
  [DataType.INT16]: layout('int16', 2, (b, o, n) => new Int16Array(b, o, n)),
  [DataType.INT8]: layout('int8', 1, (b, o, n) => new Int8Array(b, o, n)),
  [DataType.UINT8]: layout('uint8', 1, (b, o, n) => new Uint8Array(b, o, n)),
  [DataType.BOOL]: layout('bool', 1, (b, o, n) => new Uint8Array(b, o, n)),
};

const TYPE_NAMES = Object.fromEntries(Object.entries(DataType).map(([k, v]) => [v, k])) as Record<number, string>;

/** ONNX elem_type → dtype, or undefined for types whittle does not hold (float16, strings, unsigned > 8 bits). */
export function dtypeOf(elemType: number): DType | undefined {
  return LAYOUTS[elemType]?.dtype;
}

/** dtype → ONNX elem_type. */
export function elemTypeOf(dtype: DType): number {
  const e = Object.entries(LAYOUTS).find(([, l]) => l!.dtype === dtype);
  if (!e) throw new OnnxError(`dtype ${dtype} cannot be written to ONNX by whittle`);
  return Number(e[0]);
}

export function typeName(elemType: number): string {
  return TYPE_NAMES[elemType] ?? `type ${elemType}`;
}

/** Where external data files are looked up, and what to call the model in messages. */
export type TensorSource = { source: string; baseDir: string | null };

/** Checks one dimension: an integer in [0, 2^31). */
export function checkDim(d: Int64, what: () => string, src: TensorSource): number {
  const v = num(d);
  if (v < 0) throw new OnnxError(`${src.source}: ${what()} has a negative dimension (${v})`);
  if (v > MAX_DIM) throw new OnnxError(`${src.source}: ${what()} has a dimension of ${v} (at least 2^31), which whittle does not take`);
  return v;
}

/** Reads a TensorProto into typed data, checking every declared size against the data actually present. */
export function readTensorProto(t: TensorProto, src: TensorSource, what = `tensor '${t.name}'`): TensorData {
  if (endianness() !== 'LE') throw new OnnxError('ONNX raw data is little-endian; whittle reads it only on little-endian machines');
  const layout = LAYOUTS[t.dataType];
  if (!layout) throw new OnnxError(`${src.source}: ${what} has data type ${typeName(t.dataType)}, which whittle does not support (float32, float64, int64, int32, int16, int8, uint8, bool)`);
  const shape = t.dims.map((d, i) => checkDim(d, () => `${what} (dim ${i})`, src));
  const n = shape.reduce((a, b) => a * b, 1);
  const need = n * layout.bytes;
  const buf = (bytes: number): ArrayBuffer => new ArrayBuffer(Math.max(bytes, 0));
  if (t.dataLocation === 1) {
    const ab = readExternal(t, src, what, need);
    return { dtype: layout.dtype, shape, data: layout.make(ab, n) };
  }
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== need) throw new OnnxError(`${src.source}: ${what} declares shape [${shape.join(', ')}] of ${layout.dtype} (${need} bytes) but holds ${raw.length} bytes of data`);
    // Aligned data is used in place (the engine copies it when the tensor is made); unaligned data is copied.
    if (raw.byteOffset % layout.bytes === 0) return { dtype: layout.dtype, shape, data: layout.view(raw.buffer as ArrayBuffer, raw.byteOffset, n) };
    const ab = buf(need);
    new Uint8Array(ab).set(raw);
    return { dtype: layout.dtype, shape, data: layout.make(ab, n) };
  }
  const field = typedField(t);
  if (field.length !== n) throw new OnnxError(`${src.source}: ${what} declares shape [${shape.join(', ')}] (${n} values) but holds ${field.length} values`);
  const ab = buf(need);
  const out = layout.make(ab, n);
  if (out instanceof BigInt64Array) (field as Int64[]).forEach((v, i) => (out[i] = big(v)));
  else (field as number[]).forEach((v, i) => (out[i] = v));
  return { dtype: layout.dtype, shape, data: out };
}

function typedField(t: TensorProto): readonly (number | Int64)[] {
  switch (t.dataType) {
    case DataType.FLOAT: return t.floatData;
    case DataType.DOUBLE: return t.doubleData;
    case DataType.INT64: return t.int64Data;
    default: return t.int32Data; // int32, int16, int8, uint8, bool
  }
}

/** Reads `need` bytes of a tensor's external file, after checking the declared range against the file's size. */
function readExternal(t: TensorProto, src: TensorSource, what: string, need: number): ArrayBuffer {
  const kv = new Map(t.externalData.map((e) => [e.key, e.value]));
  const location = kv.get('location');
  if (!location) throw new OnnxError(`${src.source}: ${what} is stored externally but names no location`);
  if (src.baseDir === null) throw new OnnxError(`${src.source}: ${what} is stored in external file '${location}', but the model was given as bytes without a baseDir`);
  const file = resolve(src.baseDir, location);
  const rel = relative(src.baseDir, file);
  if (isAbsolute(location) || rel.startsWith('..') || isAbsolute(rel)) throw new OnnxError(`${src.source}: ${what}: external data location '${location}' is outside the model's folder`);
  const offset = kv.has('offset') ? Number(kv.get('offset')) : 0;
  const length = kv.has('length') ? Number(kv.get('length')) : need;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) throw new OnnxError(`${src.source}: ${what}: bad external data offset/length (${kv.get('offset')}, ${kv.get('length')})`);
  if (length !== need) throw new OnnxError(`${src.source}: ${what} declares ${need} bytes but its external data length is ${length}`);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new OnnxError(`${src.source}: ${what}: cannot open external data file '${location}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    if (offset + need > size) throw new OnnxError(`${src.source}: ${what} needs bytes ${offset}..${offset + need} of '${location}', which has ${size} bytes`);
    const ab = new ArrayBuffer(need);
    const into = new Uint8Array(ab);
    let done = 0;
    while (done < need) {
      const r = readSync(fd, into, done, need - done, offset + done);
      if (r <= 0) throw new OnnxError(`${src.source}: ${what}: '${location}' ended early`);
      done += r;
    }
    return ab;
  } finally {
    closeSync(fd);
  }
}

/** Encodes tensor data as a TensorProto with raw_data (little-endian, as ONNX requires). */
export function writeTensorProto(name: string, d: TensorData): TensorProto {
  const raw = new Uint8Array(d.data.buffer, d.data.byteOffset, d.data.byteLength);
  // Only the fields that carry something: proto2 writes every present field.
  return { ...(name ? { name } : {}), dims: [...d.shape], dataType: elemTypeOf(d.dtype), rawData: raw } as TensorProto;
}
