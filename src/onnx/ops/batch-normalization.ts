import { float, int, type Node } from '../../graph/index.js';
import { fail, withDefaults, type OpMapping } from './op.js';

/**
 * BatchNormalization (9, 14, 15). A training-mode export writes up to four extra outputs (running mean and variance,
 * saved mean and variance; training_mode = 1 from opset 14); whittle's executor chooses the mode per run, so the
 * IR keeps only Y in inference form. The import step drops those outputs when nothing reads them.
 */
export const BatchNormalization: OpMapping = {
  opType: 'BatchNormalization',
  import(node, ctx): Node {
    if (node.inputs.length !== 5 || node.inputs.some((i) => !i)) fail(node, ctx, `needs 5 inputs (X, scale, B, input_mean, input_var), got ${node.inputs.filter((i) => i).length}`);
    const n = withDefaults(node, ctx, { epsilon: float(1e-5), momentum: float(0.9), ...(ctx.opset >= 14 ? { training_mode: int(0) } : {}) });
    return ctx.opset >= 14 ? { ...n, attrs: { ...n.attrs, training_mode: int(0) } } : n;
  },
  export(node, ctx): Node[] {
    const attrs = { ...node.attrs };
    if (ctx.to >= 14) attrs['training_mode'] = int(0);
    else delete attrs['training_mode'];
    return [{ ...node, attrs }];
  },
};
