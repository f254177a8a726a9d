import { int, type Node } from '../../graph/index.js';
import { dropAttrs, withDefaults, type OpMapping } from './op.js';
import { moveAttrInput } from './axes-input.js';

/**
 * Split (2, 11, 13, 18): axis defaults to 0; `split` is an attribute until 12 and an input from 13; from 18 an
 * even split names its number of outputs in num_outputs.
 */
export const Split: OpMapping = {
  opType: 'Split',
  import: (node, ctx) => withDefaults(node, ctx, { axis: int(0) }),
  export(node, ctx): Node[] {
    let n = moveAttrInput(node, ctx, 'split', 1, 13);
    if (ctx.to >= 18 && !n.inputs[1]) n = { ...n, attrs: { ...n.attrs, num_outputs: int(n.outputs.length) } };
    if (ctx.to < 18) n = dropAttrs(n, 'num_outputs');
    return [n];
  },
};
