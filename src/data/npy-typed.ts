import { DatasetError } from '../errors.js';
import type { DType } from '../tensor/index.js';
import { parseNpyHeader } from './npy.js';

/** A .npy array with its values in the typed array of its own dtype (what a model input of that dtype takes). */
export interface TypedNpy {
  readonly dtype: DType;
  readonly descr: string;
  readonly shape: number[];
  readonly data: Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;
}

/** numpy dtype codes (after the byte-order character) and the engine dtype each is read as. */
const KINDS: Record<string, { dtype: DType; bytes: number; array: (b: ArrayBuffer, o: number, n: number) => TypedNpy['data'] }> = {
  f4: { dtype: 'float32', bytes: 4, array: (b, o, n) => new Float32Array(b, o, n) },
  f8: { dtype: 'float64', bytes: 8, array: (b, o, n) => new Float64Array(b, o, n) },
  i8: { dtype: 'int64', bytes: 8, array: (b, o, n) => new BigInt64Array(b, o, n) },
  i4: { dtype: 'int32', bytes: 4, array: (b, o, n) => new Int32Array(b, o, n) },
  i2: { dtype: 'int16', bytes: 2, array: (b, o, n) => new Int16Array(b, o, n) },
  i1: { dtype: 'int8', bytes: 1, array: (b, o, n) => new Int8Array(b, o, n) },
  u1: { dtype: 'uint8', bytes: 1, array: (b, o, n) => new Uint8Array(b, o, n) },
  b1: { dtype: 'bool', bytes: 1, array: (b, o, n) => new Uint8Array(b, o, n) },
};

/** The numpy name of each dtype, for messages and hints (np.float32, ...). */
export const NUMPY_NAMES: Partial<Record<DType, string>> = {
  float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32', int16: 'int16', int8: 'int8', uint8: 'uint8', bool: 'bool_', float16: 'float16',
};

/**
 * Parses a .npy file of any numeric or bool dtype whittle's engine holds (float32, float64, int64, int32, int16,
 * int8, uint8, bool), little-endian, C order; the values are copied into an aligned array of that dtype.
 */
export function parseNpyTyped(buf: Uint8Array, path: string): TypedNpy {
  const { descr, shape, dataOffset } = parseNpyHeader(buf, path);
  const kind = KINDS[descr.slice(1)];
  const single = descr.slice(1) === 'u1' || descr.slice(1) === 'i1' || descr.slice(1) === 'b1';
  if (!kind || (descr[0] === '>' && !single)) throw new DatasetError(path, `.npy dtype ${descr} is not supported (expected little-endian float32, float64, int64, int32, int16, int8, uint8 or bool)`);
  const n = shape.reduce((a, b) => a * b, 1);
  const need = n * kind.bytes;
  const have = buf.length - dataOffset;
  if (have < need) throw new DatasetError(path, `truncated: shape (${shape.join(', ')}) of ${descr} needs ${need} data bytes, file has ${have}`);
  const raw = buf.slice(dataOffset, dataOffset + need);
  const data = kind.array(raw.buffer, raw.byteOffset, n);
  if (kind.dtype === 'bool' && (data as Uint8Array).some((v) => v > 1)) throw new DatasetError(path, 'a bool .npy array holds bytes other than 0 and 1');
  return { dtype: kind.dtype, descr, shape, data };
}
