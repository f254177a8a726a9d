import { float, int, string, type Attrs, type Node } from '../../graph/index.js';
import { OnnxError } from '../errors.js';
import { checkRange, dropAttrs, where, withDefaults, type ExportContext, type OpMapping } from './op.js';
import { WILD_ROWS } from './wild-rows.js';

/** `added`: attributes that appeared at an opset (name → opset); written below it only when at their default. */
type Row = { defaults?: (opset: number) => Attrs; required?: readonly string[]; since?: number; added?: Readonly<Record<string, number>> };

/**
 * Ops whose mapping is only their attribute defaults (per opset) and required attributes. Ops with no attributes
 * (Relu, Add, MatMul, ...) need no entry: they pass through unchanged.
 */
const ROWS: Record<string, Row> = {
  Flatten: { defaults: () => ({ axis: int(1) }) },
  Concat: { required: ['axis'] },
  Gather: { defaults: () => ({ axis: int(0) }) },
  Cast: { required: ['to'] },
  Pad: { defaults: () => ({ mode: string('constant') }) },
  Reshape: { defaults: (o) => (o >= 14 ? { allowzero: int(0) } : {}), added: { allowzero: 14 } },
  Shape: { defaults: (o) => (o >= 15 ? { start: int(0) } : {}), added: { start: 15, end: 15 } },
  LeakyRelu: { defaults: () => ({ alpha: float(0.01) }) },
  HardSigmoid: { defaults: () => ({ alpha: float(0.2), beta: float(0.5) }) },
  Elu: { defaults: () => ({ alpha: float(1) }) },
  Celu: { defaults: () => ({ alpha: float(1) }), since: 12 },
  Selu: { defaults: () => ({ alpha: float(1.67326319217681884765625), gamma: float(1.05070102214813232421875) }) },
  ThresholdedRelu: { defaults: () => ({ alpha: float(1) }) },
  ArgMax: { defaults: (o) => ({ axis: int(0), keepdims: int(1), ...(o >= 12 ? { select_last_index: int(0) } : {}) }), added: { select_last_index: 12 } },
  ArgMin: { defaults: (o) => ({ axis: int(0), keepdims: int(1), ...(o >= 12 ? { select_last_index: int(0) } : {}) }), added: { select_last_index: 12 } },
  InstanceNormalization: { defaults: () => ({ epsilon: float(1e-5) }) },
  LayerNormalization: { defaults: () => ({ axis: int(-1), epsilon: float(1e-5), stash_type: int(1) }), since: 17 },
  GroupNormalization: { defaults: () => ({ epsilon: float(1e-5) }), required: ['num_groups'], since: 18 },
  DepthToSpace: { defaults: () => ({ mode: string('DCR') }), required: ['blocksize'] },
  SpaceToDepth: { required: ['blocksize'] },
  LRN: { defaults: () => ({ alpha: float(1e-4), beta: float(0.75), bias: float(1) }), required: ['size'] },
  Trilu: { defaults: () => ({ upper: int(1) }), since: 14 },
  CumSum: { defaults: () => ({ exclusive: int(0), reverse: int(0) }) },
  Mish: { since: 18 },
  CenterCropPad: { since: 18 },
  Col2Im: { since: 18 },
  GridSample: { since: 16 },
  BitwiseAnd: { since: 18 },
  BitwiseOr: { since: 18 },
  BitwiseXor: { since: 18 },
  BitwiseNot: { since: 18 },
  ...WILD_ROWS,
};

/** Drops attributes that the target opset does not have yet, refusing values other than their default. */
function exportAdded(row: Row, node: Node, ctx: ExportContext): Node[] {
  if (row.since !== undefined && ctx.to < row.since) throw new OnnxError(`node '${node.name}' (${node.opType}): ${node.opType} exists from opset ${row.since}; cannot write it at opset ${ctx.to}`, where(node, ctx));
  let n = node;
  for (const [attr, since] of Object.entries(row.added ?? {})) {
    const a = n.attrs[attr];
    if (ctx.to >= since || !a) continue;
    const d = row.defaults?.(since)[attr];
    if (!d || JSON.stringify(d) !== JSON.stringify(a)) throw new OnnxError(`node '${node.name}' (${node.opType}): attribute '${attr}' exists from opset ${since}; cannot write it at opset ${ctx.to}`, where(node, ctx));
    n = dropAttrs(n, attr);
  }
  return [n];
}

export const simpleOps: OpMapping[] = Object.entries(ROWS).map(([opType, row]) => ({
  opType,
  ...(row.since === undefined ? {} : { since: row.since }),
  export: (node, ctx) => exportAdded(row, node, ctx),
  import(node, ctx) {
    const n = withDefaults(node, ctx, row.defaults?.(ctx.opset) ?? {}, row.required ?? []);
    if (opType === 'Flatten' || opType === 'Concat' || opType === 'Gather') checkRange(n, ctx, 'axis', -64, 64);
    return n;
  },
}));
