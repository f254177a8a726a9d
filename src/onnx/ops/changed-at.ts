import type { Node } from '../../graph/index.js';
import { OnnxError } from '../errors.js';
import { where, type OpMapping } from './op.js';

/** Ops whose meaning changed at an opset with no rewrite between the two forms: export across that version is refused. */
const CHANGED_AT: Record<string, { opset: number; why: string }> = {
  GroupNormalization: { opset: 21, why: 'scale and bias hold one value per channel from opset 21 and one per group before' },
};

/** The mapping with a refusal to write the op across the opset where its meaning changed. */
export function guardChanges(m: OpMapping | undefined, opType: string): OpMapping | undefined {
  const c = CHANGED_AT[opType];
  if (!c) return m;
  return {
    ...(m ?? { opType }),
    opType,
    export(node: Node, ctx): Node[] {
      if ((ctx.from >= c.opset) !== (ctx.to >= c.opset)) throw new OnnxError(`node '${node.name}' (${opType}): ${c.why}; cannot write it at opset ${ctx.to} from opset ${ctx.from}`, where(node, ctx));
      return m?.export ? m.export(node, ctx) : [node];
    },
  };
}

export const CHANGED_OPS = Object.keys(CHANGED_AT);
