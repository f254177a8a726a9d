import { int, ints, type Node } from '../../graph/index.js';
import { checkRange, fail, getInts, withDefaults, type ImportContext, type OpMapping } from './op.js';
import { MAX_WINDOW, windowDefaults } from './window.js';

/** ConvTranspose (1, 11): as Conv, plus output_padding (default zeros); output_shape is kept when given. */
export const ConvTranspose: OpMapping = {
  opType: 'ConvTranspose',
  import(node: Node, ctx: ImportContext): Node {
    const w = ctx.initShape(node.inputs[1] ?? '');
    if (node.inputs.length < 2) fail(node, ctx, `needs inputs X and W, got ${node.inputs.length}`);
    let n = withDefaults(node, ctx, { group: int(1) });
    if (w && w.length >= 3 && !getInts(n, 'kernel_shape')) n = withDefaults(n, ctx, { kernel_shape: ints(w.slice(2)) });
    const spatial = getInts(n, 'kernel_shape')?.length ?? (w && w.length >= 3 ? w.length - 2 : undefined);
    n = windowDefaults(n, ctx, spatial, { dilations: true });
    if (spatial !== undefined) n = withDefaults(n, ctx, { output_padding: ints(Array.from({ length: spatial }, () => 0)) });
    checkRange(n, ctx, 'group', 1, 2 ** 31 - 1);
    checkRange(n, ctx, 'output_padding', 0, MAX_WINDOW);
    checkRange(n, ctx, 'output_shape', 0, 2 ** 31 - 1);
    return n;
  },
};
