import { int, string, type Attrs, type Node } from '../../graph/index.js';
import type { OpMapping } from './op.js';

/**
 * Attribute defaults (per opset), required attributes and first opsets of issue 33's ops, in simple.ts's row form:
 * `added` names attributes that appeared at an opset (written below it only when at their default).
 */
export const WILD_ROWS: Record<string, { defaults?: (opset: number) => Attrs; required?: readonly string[]; since?: number; added?: Readonly<Record<string, number>> }> = {
  Mod: { defaults: () => ({ fmod: int(0) }), since: 10 },
  Gelu: { defaults: () => ({ approximate: string('none') }), since: 20 },
  TopK: { defaults: (o) => ({ axis: int(-1), ...(o >= 11 ? { largest: int(1), sorted: int(1) } : {}) }), since: 10, added: { largest: 11, sorted: 11 } },
  OneHot: { defaults: () => ({ axis: int(-1) }), since: 9 },
  GatherElements: { defaults: () => ({ axis: int(0) }), since: 11 },
  GatherND: { defaults: (o) => (o >= 12 ? { batch_dims: int(0) } : {}), since: 11, added: { batch_dims: 12 } },
  ScatterElements: { defaults: (o) => ({ axis: int(0), ...(o >= 16 ? { reduction: string('none') } : {}) }), since: 11, added: { reduction: 16 } },
  ScatterND: { defaults: (o) => (o >= 16 ? { reduction: string('none') } : {}), since: 11, added: { reduction: 16 } },
  Einsum: { required: ['equation'], since: 12 },
  Range: { since: 11 },
  NonZero: { since: 9 },
  Size: {},
  Sign: { since: 9 },
  LessOrEqual: { since: 12 },
  GreaterOrEqual: { since: 12 },
  CastLike: { since: 15 },
  LpPool: { defaults: (o) => (o >= 2 ? { p: int(2) } : {}), required: ['kernel_shape'] },
  GlobalLpPool: { defaults: (o) => (o >= 2 ? { p: int(2) } : {}) },
  IsInf: { defaults: () => ({ detect_negative: int(1), detect_positive: int(1) }), since: 10 },
};

/** Scatter (9, deprecated at 11) is ScatterElements from opset 11 on: written as that there. */
export const Scatter: OpMapping = {
  opType: 'Scatter',
  export: (node: Node, ctx) => [ctx.to >= 11 ? { ...node, opType: 'ScatterElements' } : node],
};
