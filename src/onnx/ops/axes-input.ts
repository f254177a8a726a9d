import { int, ints, type Attr, type Node } from '../../graph/index.js';
import { OnnxError } from '../errors.js';
import { dropAttrs, int64s, where, type ExportContext } from './op.js';

/**
 * Rewrites a node whose int list moved from an attribute to an input at opset `moved` (Squeeze/Unsqueeze/Split at
 * 13, ReduceSum at 13, the other Reduce* at 18), for export to the other side of that version.
 */
export function moveAttrInput(node: Node, ctx: ExportContext, attr: string, index: number, moved: number): Node {
  if ((ctx.from >= moved) === (ctx.to >= moved)) return node;
  if (ctx.to >= moved) {
    const a = node.attrs[attr];
    const n = dropAttrs(node, attr);
    if (a?.kind !== 'ints') return n;
    const inputs = [...n.inputs];
    while (inputs.length < index) inputs.push('');
    inputs[index] = ctx.constant(`${node.name}_${attr}`, int64s(a.value));
    return { ...n, inputs };
  }
  const name = node.inputs[index];
  const inputs = node.inputs.slice(0, index);
  while (inputs.length && !inputs[inputs.length - 1]) inputs.pop();
  if (!name) return { ...node, inputs };
  const values = ctx.intsOf(name);
  if (!values) throw new OnnxError(`node '${node.name}' (${node.opType}): '${attr}' is computed at run time; cannot write it as an attribute at opset ${ctx.to}`, where(node, ctx));
  const attrs: Record<string, Attr> = { ...node.attrs, [attr]: ints(values) };
  return { ...node, inputs, attrs };
}

/** Drops noop_with_empty_axes (opset 18 Reduce*) for older opsets, refusing the case they cannot express. */
export function dropNoop(node: Node, ctx: ExportContext, moved: number): Node {
  if (ctx.to >= moved) return { ...node, attrs: { noop_with_empty_axes: int(0), ...node.attrs } };
  const noop = node.attrs['noop_with_empty_axes'];
  if (noop?.kind === 'int' && noop.value === 1 && !node.attrs['axes']) throw new OnnxError(`node '${node.name}' (${node.opType}): noop_with_empty_axes = 1 without axes cannot be written before opset ${moved}`, where(node, ctx));
  return dropAttrs(node, 'noop_with_empty_axes');
}
