import { int, type Node } from '../../graph/index.js';
import { OnnxError } from '../errors.js';
import { withDefaults, where, type ExportContext, type OpMapping } from './op.js';

/**
 * Softmax and LogSoftmax (1, 11, 13). Before 13 the op flattens the input to 2-D at `axis` (default 1) and normalises
 * over everything after it; from 13 it normalises over the one `axis` (default -1). The two agree when the axis is the
 * last one, which is what every exporter writes; export between the forms needs that, or a rank-2 input.
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
      if (!last) throw new OnnxError(`node '${node.name}' (${opType}): axis ${axis} means different things before and after opset 13; cannot write it at opset ${ctx.to}${rank === undefined ? ' (input rank unknown: run inferShapes first)' : ''}`, where(node, ctx));
      return [{ ...node, attrs: { ...node.attrs, axis: int(rank === undefined ? -1 : rank - 1) } }];
    },
  };
}

export const Softmax = mapping('Softmax');
export const LogSoftmax = mapping('LogSoftmax');
