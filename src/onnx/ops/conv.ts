import { int, ints, type Node } from '../../graph/index.js';
import { checkRange, fail, getInts, withDefaults, type ImportContext, type OpMapping } from './op.js';
import { windowDefaults } from './window.js';

/** Conv (1, 11): kernel_shape defaults to the weight's spatial dims. */
export const Conv: OpMapping = {
  opType: 'Conv',
  import(node: Node, ctx: ImportContext): Node {
    const w = ctx.initShape(node.inputs[1] ?? '');
    if (node.inputs.length < 2) fail(node, ctx, `needs inputs X and W, got ${node.inputs.length}`);
    let n = withDefaults(node, ctx, { group: int(1) });
    if (w && w.length >= 3 && !getInts(n, 'kernel_shape')) n = withDefaults(n, ctx, { kernel_shape: ints(w.slice(2)) });
    n = windowDefaults(n, ctx, w && w.length >= 3 ? w.length - 2 : undefined, { dilations: true });
    checkRange(n, ctx, 'group', 1, 2 ** 31 - 1);
    const ks = getInts(n, 'kernel_shape');
    if (w && ks && w.length >= 3 && ks.some((k, i) => k !== w[i + 2])) fail(n, ctx, `kernel_shape [${ks.join(', ')}] does not match the weight's shape [${w.join(', ')}]`);
    return n;
  },
};
