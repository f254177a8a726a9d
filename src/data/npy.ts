import { ConfigError, DatasetError } from '../errors.js';
import type { DType, Tensor } from '../tensor/index.js';

/** A parsed .npy array: shape and values, uint8 as a view of the file, other types copied into aligned arrays. */
export interface NpyArray {
  readonly shape: number[];
  readonly descr: string;
  readonly data: Uint8Array | Float32Array | Int32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const INT_KINDS: Record<string, { bytes: number; read: (v: DataView, o: number) => number | bigint }> = {
  i1: { bytes: 1, read: (v, o) => v.getInt8(o) },
  u1: { bytes: 1, read: (v, o) => v.getUint8(o) },
  i2: { bytes: 2, read: (v, o) => v.getInt16(o, true) },
  u2: { bytes: 2, read: (v, o) => v.getUint16(o, true) },
  i4: { bytes: 4, read: (v, o) => v.getInt32(o, true) },
  u4: { bytes: 4, read: (v, o) => v.getUint32(o, true) },
  i8: { bytes: 8, read: (v, o) => v.getBigInt64(o, true) },
  u8: { bytes: 8, read: (v, o) => v.getBigUint64(o, true) },
};

/** Parses the header of a .npy file (format versions 1, 2 and 3). */
export function parseNpyHeader(buf: Uint8Array, path: string): { descr: string; shape: number[]; dataOffset: number } {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) throw new DatasetError(path, 'not a .npy file: wrong magic (expected \\x93NUMPY)');
  const major = buf[6]!;
  if (major < 1 || major > 3) throw new DatasetError(path, `unsupported .npy format version ${major}.${buf[7]}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (buf.length < 8 + lenBytes) throw new DatasetError(path, 'truncated .npy header');
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (buf.length < start + hlen) throw new DatasetError(path, `truncated .npy header (${hlen} bytes declared)`);
  const header = Buffer.from(buf.buffer, buf.byteOffset + start, hlen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new DatasetError(path, `unreadable .npy header: ${header.trim()}`);
  if (fortran === 'True') throw new DatasetError(path, '.npy array is in Fortran order', 'save it with np.save(path, np.ascontiguousarray(a))');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new DatasetError(path, `bad .npy shape (${shapeText})`);
  return { descr, shape, dataOffset: start + hlen };
}

/** Parses a .npy file holding uint8, float32 or integer values (integers are returned as Int32Array). */
export function parseNpy(buf: Uint8Array, path: string): NpyArray {
  const { descr, shape, dataOffset } = parseNpyHeader(buf, path);
  const n = shape.reduce((a, b) => a * b, 1);
  const order = descr[0]!;
  const kind = descr.slice(1);
  if (order === '>' && kind !== 'u1' && kind !== 'i1') throw new DatasetError(path, `big-endian .npy data (${descr}) is not supported`, "convert with a.astype(a.dtype.newbyteorder('<'))");
  const bytes = kind === 'f4' ? 4 : INT_KINDS[kind]?.bytes;
  if (bytes === undefined) throw new DatasetError(path, `.npy dtype ${descr} is not supported (expected uint8, float32 or an integer type)`);
  const need = n * bytes;
  const have = buf.length - dataOffset;
  if (have < need) throw new DatasetError(path, `truncated: shape (${shape.join(', ')}) of ${descr} needs ${need} data bytes, file has ${have}`);
  if (kind === 'u1') return { shape, descr, data: buf.subarray(dataOffset, dataOffset + n) };
  // Copy out so the array is aligned and the file buffer can be freed.
  const raw = buf.slice(dataOffset, dataOffset + need);
  if (kind === 'f4') return { shape, descr, data: new Float32Array(raw.buffer, raw.byteOffset, n) };
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read = INT_KINDS[kind]!.read;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = read(view, i * bytes);
    const num = typeof v === 'bigint' ? (v > 2147483647n ? Infinity : v < -2147483648n ? -Infinity : Number(v)) : v;
    if (!Number.isFinite(num) || num > 2147483647 || num < -2147483648) throw new DatasetError(path, `integer ${v} at index ${i} does not fit in int32`);
    out[i] = num;
  }
  return { shape, descr, data: out };
}

const DESCR: Partial<Record<DType, string>> = { float32: '<f4', float64: '<f8', int64: '<i8', int32: '<i4', int16: '<i2', int8: '|i1', uint8: '|u1', bool: '|b1' };

/** A .npy file (format 1.0) holding a tensor's values; `option` names the output in errors (e.g. the CLI's '--output'). */
export function npyBytes(t: Tensor, option = 'output'): Uint8Array {
  const descr = DESCR[t.dtype];
  if (!descr) throw new ConfigError(option, `cannot write a ${t.dtype} tensor as .npy`);
  const shape = t.shape;
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const data = t.data();
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
