import protobuf from 'protobufjs';
import { onnxSchema } from './onnx-schema.js';
import { OnnxError } from '../errors.js';

/**
 * The ONNX protobuf messages whittle reads and writes, decoded by protobufjs from the schema in onnx.proto. Field
 * names are protobufjs's camelCase; int64 fields decode as long.js values (see num()). Absent fields read as their
 * defaults (0, '', [], null for messages), so code may read any field without checking for undefined.
 */

/** An int64 as protobufjs decodes it (long.js instance) or as we write it (number). */
export type Int64 = number | { low: number; high: number; toNumber(): number };

export interface StringStringEntryProto { key: string; value: string }
export interface OperatorSetIdProto { domain: string; version: Int64 }
export interface TensorShapeDimension { dimValue?: Int64 | null; dimParam?: string | null; value?: 'dimValue' | 'dimParam' }
export interface TensorShapeProto { dim: TensorShapeDimension[] }
export interface TypeProto {
  tensorType?: { elemType: number; shape?: TensorShapeProto | null } | null;
  value?: string;
}
export interface ValueInfoProto { name: string; type?: TypeProto | null; docString?: string }

export interface TensorProto {
  dims: Int64[];
  dataType: number;
  name: string;
  rawData: Uint8Array;
  floatData: number[];
  int32Data: number[];
  int64Data: Int64[];
  doubleData: number[];
  uint64Data: Int64[];
  stringData: Uint8Array[];
  externalData: StringStringEntryProto[];
  dataLocation: number;
  segment?: unknown;
}

export interface AttributeProto {
  name: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  t?: TensorProto | null;
  g?: unknown;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: unknown[];
  refAttrName?: string;
}

export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: AttributeProto[];
  docString?: string;
}

export interface GraphProto {
  node: NodeProto[];
  name: string;
  initializer: TensorProto[];
  sparseInitializer: unknown[];
  docString?: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}

export interface ModelProto {
  irVersion: Int64;
  opsetImport: OperatorSetIdProto[];
  producerName: string;
  producerVersion: string;
  domain?: string;
  modelVersion?: Int64;
  docString?: string;
  graph?: GraphProto | null;
  metadataProps: StringStringEntryProto[];
  functions?: unknown[];
}

/** TensorProto.DataType values. */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, SPARSE_TENSOR: 11, TYPE_PROTO: 13,
  FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10, SPARSE_TENSORS: 12, TYPE_PROTOS: 14,
} as const;

let modelType: protobuf.Type | undefined;

function model(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(onnxSchema as protobuf.INamespace).lookupType('onnx.ModelProto');
  return modelType;
}

/** An int64 field as a JS number (exact below 2^53; larger magnitudes are rounded, which callers range-check). */
export function num(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** An int64 field as a bigint, exactly. */
export function big(v: Int64): bigint {
  if (typeof v === 'number') return BigInt(v);
  return BigInt.asIntN(64, (BigInt(v.high) << 32n) | BigInt(v.low >>> 0));
}

/** Decodes a ModelProto; any malformed input becomes one OnnxError. */
export function decodeModel(bytes: Uint8Array, source: string): ModelProto {
  try {
    return model().decode(bytes) as unknown as ModelProto;
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new OnnxError(`${source}: not an ONNX model, or a truncated one (protobuf: ${why})`);
  }
}

/** Encodes a ModelProto (plain object with the fields above; numbers for int64 fields). */
export function encodeModel(m: ModelProto): Uint8Array {
  const t = model();
  return t.encode(t.fromObject(m as unknown as Record<string, unknown>)).finish();
}
