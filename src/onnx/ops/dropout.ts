import { float, type Attr, type Node } from '../../graph/index.js';
import { OnnxError } from '../errors.js';
import { dropAttrs, where, type OpMapping } from './op.js';

/**
 * Dropout (1, 6, 7, 10, 12, 13): `ratio` is an attribute (default 0.5) until 11 and an optional input from 12,
 * joined there by training_mode. Whittle's executor takes the mode per run, so only the ratio moves on export.
 */
export const Dropout: OpMapping = {
  opType: 'Dropout',
  import: (node, ctx) => (ctx.opset < 12 && !node.attrs['ratio'] ? { ...node, attrs: { ...node.attrs, ratio: float(0.5) } } : node),
  export(node, ctx): Node[] {
    if ((ctx.from >= 12) === (ctx.to >= 12)) return [node];
    if (ctx.to >= 12) {
      const r = node.attrs['ratio'];
      const n = dropAttrs(node, 'ratio');
      if (r?.kind !== 'float') return [n];
      return [{ ...n, inputs: [n.inputs[0]!, ctx.constant(`${node.name}_ratio`, { dtype: 'float32', shape: [], data: Float32Array.of(r.value) })] }];
    }
    const name = node.inputs[1];
    if (node.inputs[2]) throw new OnnxError(`node '${node.name}' (Dropout): a training_mode input cannot be written before opset 12`, where(node, ctx));
    const attrs: Record<string, Attr> = { ...node.attrs };
    if (name) {
      const v = ctx.floatOf(name);
      if (v === undefined) throw new OnnxError(`node '${node.name}' (Dropout): ratio is computed at run time; cannot write it as an attribute at opset ${ctx.to}`, where(node, ctx));
      attrs['ratio'] = float(v);
    }
    return [{ ...node, inputs: [node.inputs[0]!], attrs }];
  },
};
