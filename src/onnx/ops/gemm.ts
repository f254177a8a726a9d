import { float, int } from '../../graph/index.js';
import { checkRange, fail, withDefaults, type OpMapping } from './op.js';

/** Gemm (1, 6, 7, 9, 11, 13): alpha = beta = 1, transA = transB = 0; C optional from 11. */
export const Gemm: OpMapping = {
  opType: 'Gemm',
  import(node, ctx) {
    if (node.inputs.length < 2) fail(node, ctx, `needs inputs A and B, got ${node.inputs.length}`);
    const n = withDefaults(node, ctx, { alpha: float(1), beta: float(1), transA: int(0), transB: int(0) });
    checkRange(n, ctx, 'transA', 0, 1);
    checkRange(n, ctx, 'transB', 0, 1);
    return n;
  },
};
