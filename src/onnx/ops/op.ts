import type { Attr, Attrs, Node, TensorData } from '../../graph/index.js';
import { OnnxError } from '../errors.js';

/** What an op's import mapping may ask about the model. */
export interface ImportContext {
  /** The model's ai.onnx opset. */
  readonly opset: number;
  /** The model's name in messages. */
  readonly source: string;
  /** The shape of an initializer (or folded Constant), when the value is one. */
  initShape(name: string): readonly number[] | undefined;
}

/** What an op's export mapping may use to rewrite a node for another opset. */
export interface ExportContext {
  /** The graph's opset (the form the node is in). */
  readonly from: number;
  /** The opset being written. */
  readonly to: number;
  /** Adds a constant initializer to the written file and returns its (unique) name. */
  constant(hint: string, data: TensorData): string;
  /** The values of an int initializer (axes, splits), when the input is one. */
  intsOf(name: string): number[] | undefined;
  /** The value of a one-element float initializer (Dropout's ratio). */
  floatOf(name: string): number | undefined;
  /** The rank of a value, when known (graph inputs, initializers, inferred value infos). */
  rankOf(name: string): number | undefined;
  /** A value name not used anywhere in the graph. */
  fresh(hint: string): string;
}

/**
 * How one ONNX op maps to and from the IR, for opsets 11–21 (onnx/reference's one-file-per-op layout; opsets 6–10
 * are rewritten into opset-11 forms before, see upgrade.ts). `since` is
 * the first opset that has the op; `import` fills every attribute default for the model's opset (so the IR is
 * explicit) and checks the values; `export` rewrites a node for another opset (attribute↔input moves, decompositions).
 */
export interface OpMapping {
  readonly opType: string;
  readonly since?: number;
  import?(node: Node, ctx: ImportContext): Node;
  export?(node: Node, ctx: ExportContext): Node[];
}

export const where = (node: Node, ctx: { opset?: number; from?: number }) => ({ nodeName: node.name, opType: node.opType, opset: ctx.opset ?? ctx.from ?? 0 });

/** Fails naming the node: `<source>: node 'x' (Op): <what>`. */
export function fail(node: Node, ctx: ImportContext, what: string): never {
  throw new OnnxError(`${ctx.source}: node '${node.name}' (${node.opType}): ${what}`, where(node, ctx));
}

/** Checks the kinds of present attributes and fills the missing ones from `defaults`; `required` must be present. */
export function withDefaults(node: Node, ctx: ImportContext, defaults: Attrs, required: readonly string[] = []): Node {
  for (const r of required) if (!node.attrs[r]) fail(node, ctx, `attribute '${r}' is expected based on ONNX specifications`);
  const attrs: Record<string, Attr> = { ...node.attrs };
  for (const [k, d] of Object.entries(defaults)) {
    const a = attrs[k];
    if (!a) attrs[k] = d;
    else if (a.kind !== d.kind) fail(node, ctx, `attribute '${k}' is ${a.kind}, expected ${d.kind}`);
  }
  return { ...node, attrs };
}

export function getInts(node: Node, name: string): readonly number[] | undefined {
  const a = node.attrs[name];
  return a?.kind === 'ints' ? a.value : undefined;
}

export function getInt(node: Node, name: string): number | undefined {
  const a = node.attrs[name];
  return a?.kind === 'int' ? a.value : undefined;
}

/** Checks every element of an ints attribute against [min, max]. */
export function checkRange(node: Node, ctx: ImportContext, name: string, min: number, max: number): void {
  const v = getInts(node, name) ?? (getInt(node, name) === undefined ? [] : [getInt(node, name)!]);
  const bad = v.find((x) => !Number.isInteger(x) || x < min || x > max);
  if (bad !== undefined) fail(node, ctx, `attribute '${name}' has ${bad}, outside [${min}, ${max}] (${name} = [${v.join(', ')}])`);
}

/** An int64 tensor for axes/splits/shapes. */
export function int64s(values: readonly number[]): TensorData {
  return { dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

/** Returns a copy of the node without the named attributes. */
export function dropAttrs(node: Node, ...names: string[]): Node {
  const attrs: Record<string, Attr> = { ...node.attrs };
  for (const n of names) delete attrs[n];
  return { ...node, attrs };
}
