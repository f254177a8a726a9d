import { float, type Node } from '../../graph/index.js';
import type { OpMapping } from './op.js';

/**
 * HardSwish (14): before opset 14 it is written as PyTorch's own export writes it, x * HardSigmoid(x) with
 * alpha = 1/6, beta = 0.5.
 */
export const HardSwish: OpMapping = {
  opType: 'HardSwish',
  since: 14,
  export(node, ctx): Node[] {
    if (ctx.to >= 14) return [node];
    const x = node.inputs[0]!;
    const gate = ctx.fresh(`${node.name}_gate`);
    return [
      { name: `${node.name}_hardsigmoid`, opType: 'HardSigmoid', domain: '', inputs: [x], outputs: [gate], attrs: { alpha: float(1 / 6), beta: float(0.5) } },
      { name: node.name, opType: 'Mul', domain: '', inputs: [x, gate], outputs: [...node.outputs], attrs: {} },
    ];
  },
};
