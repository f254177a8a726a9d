import type { RuntimeTensor } from './runtime.js';

type OrtType = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64';
/** The Tensor constructor that onnxruntime-node and onnxruntime-web share (through onnxruntime-common). */
export type OrtTensorClass<T> = new (type: OrtType, data: RuntimeTensor['data'], dims: readonly number[]) => T;

function typeOf(a: RuntimeTensor['data']): OrtType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int32Array) return 'int32';
  return 'int64';
}

/** Feeds as the runtime's tensors. */
export function toOrt<T>(Tensor: OrtTensorClass<T>, feeds: Readonly<Record<string, RuntimeTensor>>): Record<string, T> {
  return Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new Tensor(typeOf(v.data), v.data, v.dims)]));
}

/** The runtime's outputs as plain data and dims. */
export function fromOrt(r: Readonly<Record<string, { data: unknown; dims: readonly number[] }>>): Record<string, RuntimeTensor> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, { data: v.data as RuntimeTensor['data'], dims: [...v.dims] }]));
}
