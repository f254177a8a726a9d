import { int, type Node } from '../../graph/index.js';
import { fail, getInts, withDefaults, type ImportContext, type OpMapping } from './op.js';
import { windowDefaults } from './window.js';

function pool(node: Node, ctx: ImportContext, extra: Parameters<typeof withDefaults>[2], dilations: boolean): Node {
  const ks = getInts(node, 'kernel_shape');
  if (!ks) fail(node, ctx, "attribute 'kernel_shape' is expected based on ONNX specifications");
  return windowDefaults(withDefaults(node, ctx, { ceil_mode: int(0), ...extra }), ctx, ks.length, { dilations });
}

/** MaxPool (1, 8, 10, 11, 12): ceil_mode, storage_order and dilations default to 0, 0 and ones. */
export const MaxPool: OpMapping = {
  opType: 'MaxPool',
  import: (node, ctx) => pool(node, ctx, { storage_order: int(0) }, true),
};

/** AveragePool (1, 7, 10, 11; dilations only from 19): count_include_pad defaults to 0. */
export const AveragePool: OpMapping = {
  opType: 'AveragePool',
  import: (node, ctx) => pool(node, ctx, { count_include_pad: int(0) }, false),
};
