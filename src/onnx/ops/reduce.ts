import { int } from '../../graph/index.js';
import { withDefaults, type OpMapping } from './op.js';
import { dropNoop, moveAttrInput } from './axes-input.js';

/**
 * The Reduce* ops (1, 11, 13, 18): keepdims defaults to 1. `axes` is an attribute until 17 and an optional input
 * from 18 (ReduceSum: from 13), where noop_with_empty_axes (default 0) joins it; absent axes reduce every dim.
 */
function reduce(opType: string, moved: number): OpMapping {
  return {
    opType,
    import: (node, ctx) => withDefaults(node, ctx, { keepdims: int(1), ...(ctx.opset >= moved ? { noop_with_empty_axes: int(0) } : {}) }),
    export: (node, ctx) => [dropNoop(moveAttrInput(node, ctx, 'axes', 1, moved), ctx, moved)],
  };
}

export const reduceOps: OpMapping[] = [
  reduce('ReduceSum', 13),
  ...['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'].map((op) => reduce(op, 18)),
];
