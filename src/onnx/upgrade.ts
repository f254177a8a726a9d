import { string, type Attr, type Node, type TensorData, type ValueInfo } from '../graph/index.js';
import { OnnxError } from './errors.js';
import { dropAttrs, getInt, getInts, int64s } from './ops/op.js';

/** The opset whose op forms the IR holds for older models: every op of opsets 6–10 is rewritten into its opset-11 form. */
export const IR_BASE_OPSET = 11;

/** Opset-6 binary ops with the legacy `broadcast`/`axis` attributes (multidirectional broadcasting from opset 7). */
const LEGACY_BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'And', 'Or', 'Xor', 'Equal', 'Greater', 'Less']);

/** Ops whose output has the rank of their first input (enough to place an opset-6 broadcast after them). */
const SAME_RANK = new Set([
  'Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'Elu', 'Selu', 'PRelu', 'Softplus', 'Softsign', 'HardSigmoid', 'Exp', 'Log', 'Neg', 'Abs', 'Sqrt',
  'Reciprocal', 'Floor', 'Ceil', 'Clip', 'Dropout', 'Identity', 'BatchNormalization', 'InstanceNormalization', 'LRN', 'Conv',
  'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Softmax', 'LogSoftmax', 'Hardmax', 'Pad', 'Cast',
  'Upsample', 'Transpose', 'Concat', 'Slice', 'Tile', 'Sum', 'Mean', 'Max', 'Min', ...LEGACY_BROADCAST,
]);

export interface UpgradeInput {
  nodes: Node[];
  /** Initializers and folded Constants (new constants are added here). */
  inits: Map<string, { data: TensorData; fromConstant: boolean }>;
  inputs: readonly ValueInfo[];
  opset: number;
  source: string;
}

/**
 * Rewrites the nodes of an opset 6–10 model into their opset-11 forms, so the IR, the kernels and the exporter see one
 * form of each op: Upsample (7, 9) and Resize-10 become Resize-11 (asymmetric coordinates, floor for nearest, as
 * those versions compute); Slice-1, Pad-2 and Clip-6 attributes become inputs; TopK-1's k becomes an input; Scatter
 * becomes ScatterElements; BatchNormalization loses spatial/is_test/consumed_inputs (spatial = 0 with constant
 * statistics becomes a Mul and an Add); Dropout loses is_test; Gemm loses broadcast; opset-6 `broadcast`/`axis` on
 * binary ops becomes numpy broadcasting (the second input unsqueezed where `axis` aligns it away from the end); PRelu-6
 * with a per-channel slope is reshaped to [C, 1, ...]. Softmax, LogSoftmax, Hardmax, Squeeze, Unsqueeze, Split and the
 * Reduce ops mean at opset 11 what they meant before, so they stay as they are. Models at opset 11 or newer pass as is.
 */
export function upgradeNodes(d: UpgradeInput): Node[] {
  // Upsample (deprecated at 10) is read as Resize at any opset; everything else is current from 11.
  if (d.opset >= IR_BASE_OPSET && !d.nodes.some((n) => n.opType === 'Upsample' && n.domain === '')) return d.nodes;
  const used = new Set<string>([...d.inits.keys(), ...d.inputs.map((i) => i.name), ...d.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  const fresh = (hint: string): string => {
    let name = hint;
    for (let k = 1; used.has(name); k++) name = `${hint}_${k}`;
    used.add(name);
    return name;
  };
  const constant = (hint: string, data: TensorData): string => {
    const name = fresh(hint);
    d.inits.set(name, { data, fromConstant: true });
    return name;
  };
  const ranks = new Map<string, number>();
  for (const i of d.inputs) if (i.shape) ranks.set(i.name, i.shape.length);
  for (const [name, { data }] of d.inits) ranks.set(name, data.shape.length);
  const fail = (n: Node, what: string): never => {
    throw new OnnxError(`${d.source}: node '${n.name}' (${n.opType}, opset ${d.opset}): ${what}`, { nodeName: n.name, opType: n.opType, opset: d.opset });
  };
  const out: Node[] = [];
  for (const node of d.nodes) {
    const c = { ...d, constant, fresh, fail, ranks };
    const rewritten = node.domain !== '' ? [node] : d.opset >= IR_BASE_OPSET ? (node.opType === 'Upsample' ? [toResize11(node, c)] : [node]) : upgradeNode(node, c);
    for (const n of rewritten) {
      out.push(n);
      const r = rankAfter(n, ranks);
      if (r !== undefined && n.outputs[0]) ranks.set(n.outputs[0], r);
    }
  }
  return out;
}

interface Ctx extends UpgradeInput {
  constant(hint: string, data: TensorData): string;
  fresh(hint: string): string;
  fail(n: Node, what: string): never;
  ranks: Map<string, number>;
}

const f32 = (values: readonly number[], shape: readonly number[] = [values.length]): TensorData => ({ dtype: 'float32', shape, data: Float32Array.from(values) });
const scalar = (v: number): TensorData => ({ dtype: 'float32', shape: [], data: Float32Array.of(v) });

function rankAfter(n: Node, ranks: Map<string, number>): number | undefined {
  const r0 = n.inputs[0] ? ranks.get(n.inputs[0]) : undefined;
  if (n.opType === 'Gemm' || n.opType === 'Flatten') return 2;
  if (n.opType === 'Unsqueeze' && r0 !== undefined) return r0 + (getInts(n, 'axes')?.length ?? 0);
  if (n.opType === 'Squeeze' && r0 !== undefined && getInts(n, 'axes')) return r0 - getInts(n, 'axes')!.length;
  if (n.opType === 'Resize') return r0;
  if (LEGACY_BROADCAST.has(n.opType) || ['Sum', 'Mean', 'Max', 'Min'].includes(n.opType)) {
    const rs = n.inputs.map((i) => (i ? ranks.get(i) : undefined));
    return rs.every((r) => r !== undefined) ? Math.max(...(rs as number[])) : undefined;
  }
  return SAME_RANK.has(n.opType) ? r0 : undefined;
}

function upgradeNode(n: Node, c: Ctx): Node[] {
  switch (n.opType) {
    case 'Upsample':
    case 'Resize':
      return [toResize11(n, c)];
    case 'Slice': {
      const starts = getInts(n, 'starts');
      const ends = getInts(n, 'ends');
      if (c.opset >= 10) return [n];
      if (!starts || !ends) c.fail(n, "attributes 'starts' and 'ends' are required");
      const axes = getInts(n, 'axes');
      const inputs = [n.inputs[0]!, c.constant(`${n.name}_starts`, int64s(starts)), c.constant(`${n.name}_ends`, int64s(ends))];
      if (axes) inputs.push(c.constant(`${n.name}_axes`, int64s(axes)));
      return [{ ...dropAttrs(n, 'starts', 'ends', 'axes'), inputs }];
    }
    case 'Pad': {
      const pads = getInts(n, 'pads') ?? c.fail(n, "attribute 'pads' is required");
      const v = n.attrs['value'];
      const value = v?.kind === 'float' ? v.value : 0;
      const inputs = [n.inputs[0]!, c.constant(`${n.name}_pads`, int64s(pads))];
      if (value !== 0) inputs.push(c.constant(`${n.name}_value`, scalar(value)));
      return [{ ...dropAttrs(n, 'pads', 'value'), inputs }];
    }
    case 'Clip': {
      const lo = n.attrs['min'];
      const hi = n.attrs['max'];
      const inputs = [n.inputs[0]!, lo?.kind === 'float' ? c.constant(`${n.name}_min`, scalar(lo.value)) : '', hi?.kind === 'float' ? c.constant(`${n.name}_max`, scalar(hi.value)) : ''];
      while (inputs.length > 1 && !inputs[inputs.length - 1]) inputs.pop();
      return [{ ...dropAttrs(n, 'min', 'max'), inputs }];
    }
    case 'TopK': {
      if (c.opset >= 10) return [n];
      const k = getInt(n, 'k') ?? c.fail(n, "attribute 'k' is required");
      return [{ ...dropAttrs(n, 'k'), inputs: [n.inputs[0]!, c.constant(`${n.name}_k`, int64s([k]))] }];
    }
    case 'Scatter':
      return [{ ...n, opType: 'ScatterElements' }];
    case 'Dropout':
      return [dropAttrs(n, 'is_test')];
    case 'Gemm':
      return [dropAttrs(n, 'broadcast')];
    case 'BatchNormalization':
      return batchNorm(n, c);
    case 'PRelu':
      return [prelu(n, c)];
    default:
      return LEGACY_BROADCAST.has(n.opType) && c.opset < 7 ? legacyBroadcast(n, c) : [n];
  }
}

/** Upsample-1 (height_scale, width_scale), -7 (scales attribute), -9 and Resize-10 (scales input) as Resize-11 with the same results. */
function toResize11(n: Node, c: Ctx): Node {
  if (n.opType === 'Resize' && c.opset >= 11) return n;
  const mode = n.attrs['mode']?.kind === 'string' ? (n.attrs['mode'].value as string) : 'nearest';
  const m = mode.toLowerCase() === 'bilinear' ? 'linear' : mode.toLowerCase();
  if (m !== 'nearest' && m !== 'linear') c.fail(n, `mode '${mode}' is not nearest or linear`);
  let scales = n.inputs[1] ?? '';
  const hs = n.attrs['height_scale'];
  const ws = n.attrs['width_scale'];
  if (n.opType === 'Upsample' && hs?.kind === 'float' && ws?.kind === 'float') {
    // Upsample-1 (opset 6): an NCHW input scaled by height_scale and width_scale.
    scales = c.constant(`${n.name}_scales`, f32([1, 1, hs.value, ws.value]));
  } else if (n.opType === 'Upsample' && c.opset < 9) {
    const s = n.attrs['scales'];
    if (s?.kind !== 'floats') c.fail(n, "attribute 'scales' is required");
    scales = c.constant(`${n.name}_scales`, f32(s.value as number[]));
  }
  if (!scales) c.fail(n, "input 'scales' is required");
  const attrs: Record<string, Attr> = { mode: string(m), coordinate_transformation_mode: string('asymmetric'), nearest_mode: string('floor') };
  return { ...n, opType: 'Resize', inputs: [n.inputs[0]!, '', scales], attrs };
}

/** BatchNormalization 6, 7, 9: spatial = 1 is today's op; spatial = 0 (statistics per element) with constant inputs is x * a + b. */
function batchNorm(n: Node, c: Ctx): Node[] {
  const spatial = getInt(n, 'spatial') ?? 1;
  const base = dropAttrs(n, 'spatial', 'is_test', 'consumed_inputs');
  if (spatial === 1) return [base];
  const data = n.inputs.slice(1, 5).map((i) => c.inits.get(i)?.data);
  if (data.some((t) => !t || t.dtype !== 'float32')) c.fail(n, 'spatial = 0 (statistics per element) needs constant float32 scale, bias, mean and variance');
  const [scale, bias, mean, variance] = data as TensorData[];
  const eps = n.attrs['epsilon']?.kind === 'float' ? (n.attrs['epsilon'].value as number) : 1e-5;
  const size = scale!.data.length;
  if ([bias, mean, variance].some((t) => t!.data.length !== size)) c.fail(n, 'spatial = 0: scale, B, mean and var differ in size');
  const a = new Float32Array(size);
  const b = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    a[i] = (scale!.data[i] as number) / Math.sqrt((variance!.data[i] as number) + eps);
    b[i] = (bias!.data[i] as number) - (mean!.data[i] as number) * a[i]!;
  }
  const mid = c.fresh(`${n.name}_scaled`);
  return [
    { name: `${n.name}_mul`, opType: 'Mul', domain: '', inputs: [n.inputs[0]!, c.constant(`${n.name}_a`, { ...scale!, data: a })], outputs: [mid], attrs: {} },
    { name: n.name, opType: 'Add', domain: '', inputs: [mid, c.constant(`${n.name}_b`, { ...scale!, data: b })], outputs: [n.outputs[0]!], attrs: {} },
  ];
}

/** PRelu-6 took a slope of C values per channel of an [N, C, ...] input; numpy broadcasting needs it as [C, 1, ...]. */
function prelu(n: Node, c: Ctx): Node {
  if (c.opset >= 7) return n;
  const slope = c.inits.get(n.inputs[1] ?? '');
  const rank = c.ranks.get(n.inputs[0] ?? '');
  if (!slope || slope.data.shape.length !== 1 || slope.data.shape[0] === 1 || rank === undefined || rank < 3) return n;
  const shape = [slope.data.shape[0]!, ...Array.from({ length: rank - 2 }, () => 1)];
  return { ...n, inputs: [n.inputs[0]!, c.constant(`${n.inputs[1]}_per_channel`, { ...slope.data, shape })] };
}

/**
 * Opset-6 broadcasting: with broadcast = 1, B's dims line up with A's starting at `axis` (default: at the end, as
 * numpy does); the other dims of B must be 1 or match. Trailing ones are appended to B where `axis` asks.
 */
function legacyBroadcast(n: Node, c: Ctx): Node[] {
  const base = dropAttrs(n, 'broadcast', 'axis');
  if ((getInt(n, 'broadcast') ?? 0) !== 1) return [base];
  const axis = getInt(n, 'axis');
  if (axis === undefined) return [base];
  const [a, b] = [n.inputs[0]!, n.inputs[1]!];
  const ra = c.ranks.get(a);
  const rb = c.ranks.get(b);
  if (ra === undefined || rb === undefined) c.fail(n, `broadcast with axis ${axis} needs the ranks of both inputs, which are not known here; re-export the model at opset 7 or newer`);
  const start = axis < 0 ? axis + ra : axis;
  const trailing = ra - start - rb;
  if (start < 0 || trailing < 0) c.fail(n, `broadcast axis ${axis} does not fit a rank-${rb} input into a rank-${ra} one`);
  if (trailing === 0) return [base];
  const init = c.inits.get(b);
  if (init) {
    const shape = [...init.data.shape, ...Array.from({ length: trailing }, () => 1)];
    return [{ ...base, inputs: [a, c.constant(`${b}_at_axis_${start}`, { ...init.data, shape })] }];
  }
  const unsq = c.fresh(`${b}_at_axis_${start}`);
  const axes = Array.from({ length: trailing }, (_, k) => rb + k);
  return [
    { name: c.fresh(`${n.name}_unsqueeze`), opType: 'Unsqueeze', domain: '', inputs: [b], outputs: [unsq], attrs: { axes: { kind: 'ints', value: axes } } },
    { ...base, inputs: [a, unsq] },
  ];
}
