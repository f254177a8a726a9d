import { int, type Node } from '../../graph/index.js';
import { OnnxError } from '../errors.js';
import { withDefaults, where, type ExportContext, type OpMapping } from './op.js';

/**
 * Softmax, LogSoftmax and Hardmax (1, 11, 13). Before 13 the op flattens the input to 2-D at `axis` (default 1) and
 * normalises over everything after it; from 13 it normalises over the one `axis` (default -1). The two agree when the
 * axis is the last one, which is what most exporters write. Written across 13 otherwise, the old form becomes
 * Flatten at the axis, the op over the last axis, and a Reshape back to the input's shape; the new form (to an older
 * opset) needs a last axis.
 */
function mapping(opType: string): OpMapping {
  return {
    opType,
    import: (node, ctx) => withDefaults(node, ctx, { axis: int(ctx.opset >= 13 ? -1 : 1) }),
    export(node: Node, ctx: ExportContext): Node[] {
      if ((ctx.from >= 13) === (ctx.to >= 13)) return [node];
      const axis = node.attrs['axis']?.value as number;
      const rank = ctx.rankOf(node.inputs[0]!);
      const last = axis === -1 || (rank !== undefined && axis === rank - 1);
      if (last) return [{ ...node, attrs: { ...node.attrs, axis: int(rank === undefined ? -1 : rank - 1) } }];
      if (ctx.from < 13) return flattened(node, ctx, axis);
      throw new OnnxError(`node '${node.name}' (${opType}): axis ${axis} means different things before and after opset 13; cannot write it at opset ${ctx.to}${rank === undefined ? ' (input rank unknown: run inferShapes first)' : ''}`, where(node, ctx));
    },
  };
}

/** The pre-13 op at a non-last axis, in opset-13 ops: Shape, Flatten(axis), the op over axis 1, Reshape. */
function flattened(node: Node, ctx: ExportContext, axis: number): Node[] {
  const x = node.inputs[0]!;
  const shape = ctx.fresh(`${node.name}_shape`);
  const flat = ctx.fresh(`${node.name}_flat`);
  const y2 = ctx.fresh(`${node.name}_2d`);
  return [
    { name: ctx.fresh(`${node.name}_Shape`), opType: 'Shape', domain: '', inputs: [x], outputs: [shape], attrs: {} },
    { name: ctx.fresh(`${node.name}_Flatten`), opType: 'Flatten', domain: '', inputs: [x], outputs: [flat], attrs: { axis: int(axis) } },
    { ...node, inputs: [flat], outputs: [y2], attrs: { ...node.attrs, axis: int(1) } },
    { name: ctx.fresh(`${node.name}_Reshape`), opType: 'Reshape', domain: '', inputs: [y2, shape], outputs: [node.outputs[0]!], attrs: {} },
  ];
}

export const Softmax = mapping('Softmax');
export const LogSoftmax = mapping('LogSoftmax');
export const Hardmax = mapping('Hardmax');
