import type { DType, Tensor } from '../tensor/index.js';

/**
 * The one model representation. A Graph is a DAG of Nodes over named values: graph inputs, initializers (named
 * tensors the graph owns) and node outputs. Op types are ONNX op_type strings; attributes are stored with their
 * ONNX kind, with every default filled in at import, so the IR is always explicit.
 *
 * Example (a conv followed by a relu):
 *   inputs:       [{ name: 'x', dtype: 'float32', shape: ['N', 1, 28, 28] }]
 *   initializers: conv.weight (param), conv.bias (param)
 *   nodes:        Conv(x, conv.weight, conv.bias) -> h;  Relu(h) -> y
 *   outputs:      [{ name: 'y', ... }]
 */

/** A dimension: a size, or a symbol (e.g. 'N' for the batch) that the graph does not fix. */
export type Dim = number | string;

export interface ValueInfo {
  readonly name: string;
  readonly dtype: DType;
  /** null when unknown (before shape inference). */
  readonly shape: readonly Dim[] | null;
  /**
   * The shape measured at batch 1, where it differs from `shape` with its symbols read as 1: a dim that grows with the
   * batch but is not the batch itself (N·H heads folded by attention, T·N tokens) has the symbol in `shape`.
   */
  readonly atBatch1?: readonly number[];
}

/** Raw tensor data carried in an attribute (ONNX `Constant.value`, ConstantOfShape's value). */
export interface TensorData {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Int16Array;
}

/** An attribute with its ONNX kind, so that export writes back exactly what import read. */
export type Attr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensor'; readonly value: TensorData };

export type Attrs = Readonly<Record<string, Attr>>;

/** One operation. Absent optional inputs are ''. */
export interface Node {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Attrs;
}

/**
 * What an initializer is to training and counting: `param` is trained and counted as a parameter; `buffer` is state
 * updated outside the optimizer (BatchNorm running statistics); `constant` is fixed data (shapes, indices, masks).
 */
export type InitializerKind = 'param' | 'buffer' | 'constant';

export interface Initializer {
  readonly tensor: Tensor;
  readonly kind: InitializerKind;
}
