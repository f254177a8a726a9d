import { fail, type OpMapping } from './op.js';
import { moveAttrInput } from './axes-input.js';

/** Squeeze (1, 11, 13): axes attribute until 12, optional input from 13; absent axes squeeze every 1. */
export const Squeeze: OpMapping = {
  opType: 'Squeeze',
  export: (node, ctx) => [moveAttrInput(node, ctx, 'axes', 1, 13)],
};

/** Unsqueeze (1, 11, 13): axes required, as an attribute until 12 and an input from 13. */
export const Unsqueeze: OpMapping = {
  opType: 'Unsqueeze',
  import(node, ctx) {
    if (ctx.opset < 13 && !node.attrs['axes']) fail(node, ctx, "attribute 'axes' is expected based on ONNX specifications");
    if (ctx.opset >= 13 && !node.inputs[1]) fail(node, ctx, "input 'axes' is expected from opset 13");
    return node;
  },
  export: (node, ctx) => [moveAttrInput(node, ctx, 'axes', 1, 13)],
};
