import type { Attr, Attrs, Node, TensorData } from './ir.js';
import { GraphError } from './graph.js';

function get(node: Node, name: string, kind: Attr['kind']): Attr | undefined {
  const a = node.attrs[name];
  if (a && a.kind !== kind) throw new GraphError(`node '${node.name}' (${node.opType}): attribute '${name}' is ${a.kind}, expected ${kind}`, undefined, node.name);
  return a;
}

/** An int attribute, or the default when absent. */
export function attrInt(node: Node, name: string, dflt: number): number {
  return (get(node, name, 'int')?.value as number | undefined) ?? dflt;
}
export function attrFloat(node: Node, name: string, dflt: number): number {
  return (get(node, name, 'float')?.value as number | undefined) ?? dflt;
}
export function attrString(node: Node, name: string, dflt: string): string {
  return (get(node, name, 'string')?.value as string | undefined) ?? dflt;
}
export function attrInts(node: Node, name: string, dflt: readonly number[]): readonly number[] {
  return (get(node, name, 'ints')?.value as readonly number[] | undefined) ?? dflt;
}
export function attrFloats(node: Node, name: string, dflt: readonly number[]): readonly number[] {
  return (get(node, name, 'floats')?.value as readonly number[] | undefined) ?? dflt;
}
export function attrTensor(node: Node, name: string): TensorData | undefined {
  return get(node, name, 'tensor')?.value as TensorData | undefined;
}

// Constructors for builders and importers.
export const int = (value: number): Attr => ({ kind: 'int', value });
// ONNX stores float attributes as float32: a graph built in memory holds what its saved file will, so a run resumed
// from a saved graph computes with the same BatchNorm epsilon and momentum as the run that saved it.
export const float = (value: number): Attr => ({ kind: 'float', value: Math.fround(value) });
export const ints = (value: readonly number[]): Attr => ({ kind: 'ints', value });
export const floats = (value: readonly number[]): Attr => ({ kind: 'floats', value: value.map((v) => Math.fround(v)) });
export const string = (value: string): Attr => ({ kind: 'string', value });
export const noAttrs: Attrs = {};
