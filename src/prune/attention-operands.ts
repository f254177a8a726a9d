import { attrInt, attrInts, type Node } from '../graph/index.js';
import type { Analyzer } from './analyzer.js';

/**
 * A Reshape that splits channels [..., H·D] into [..., X, D] with X a multiple of H (heads minor), or a packed
 * projection [..., P·H·D] into [..., P, H, D] of which this operand is part `part` (picked by Gather).
 */
export type Split = { node: Node; value: string; target: (number | null)[]; part: number; parts: number };

/** Where one product operand comes from, and where its heads (x) and head dims (d) sit on its `rank` axes. */
export type Operand = { split: Split; heads: number; dim: number; rank: number; x: number; d: number; xSize: number };

/** The one node that reads `v`, or null. */
export const only = (an: Analyzer, v: string): Node | null => {
  const u = an.consumers.get(v) ?? [];
  return u.length === 1 ? u[0]! : null;
};

const isScalar = (an: Analyzer, v: string | undefined): boolean => !!v && an.isConst(v) && (an.dims(v) ?? []).reduce((p, q) => p * q, 1) === 1;

/**
 * One part picked from a packed value on `axis`: a Gather of a scalar constant index (Swin's `qkv[0]`), or a Squeeze
 * of one output of a Split into parts of 1 on that axis (timm's `qkv.unbind(0)`); `from` is the packed value.
 */
type Pick = { node: Node; axis: number; index: number; from: string; split?: Node };

function pickOf(an: Analyzer, n: Node): Pick | null {
  const rank = an.dims(n.inputs[0])?.length ?? 0;
  const norm = (a: number): number => (a < 0 ? a + rank : a);
  if (n.opType === 'Gather') {
    const idx = an.isConst(n.inputs[1]) && an.dims(n.inputs[1])?.length === 0 ? an.ints(n.inputs[1])?.[0] : undefined;
    return idx === undefined ? null : { node: n, axis: norm(attrInt(n, 'axis', 0)), index: idx, from: n.inputs[0]! };
  }
  if (n.opType !== 'Squeeze') return null;
  const split = an.producer(n.inputs[0]);
  const axes = n.inputs[1] ? an.ints(n.inputs[1]) : [...attrInts(n, 'axes', [])];
  if (split?.opType !== 'Split' || axes?.length !== 1 || only(an, n.inputs[0]!) !== n) return null;
  const axis = norm(attrInt(split, 'axis', 0));
  if (norm(axes[0]!) !== axis || !split.outputs.every((o) => an.dims(o)?.[axis] === 1)) return null;
  return { node: n, axis, index: split.outputs.indexOf(n.inputs[0]!), from: split.inputs[0]!, split };
}

/**
 * Back from a product operand through Transposes, scalar scales and (for a packed projection, as Swin and timm
 * write `qkv.reshape(B, N, 3, H, D).permute(2, 0, 3, 1, 4)` and pick q, k, v by index or unbind) one pick, to the
 * Reshape that splits heads.
 */
export function back(an: Analyzer, v: string, nodes: Set<string>): Operand | string {
  const path: Node[] = [];
  let p = an.producer(v);
  let cur = v;
  let pick: Pick | null = null;
  for (;;) {
    const picked: Pick | null = !pick && p ? pickOf(an, p) : null;
    if (!p || !(p.opType === 'Transpose' || ((p.opType === 'Mul' || p.opType === 'Div') && isScalar(an, p.inputs[1])) || picked)) break;
    // the packed value a Gather picks from is read by the Gathers of all parts (samePacking checks them)
    if (only(an, cur) === null && !(pick && pick.split === undefined && cur === pick.from)) return `'${cur}' is read elsewhere`;
    if (picked) pick = picked;
    path.unshift(p);
    cur = picked ? picked.from : p.inputs[0]!;
    p = an.producer(cur);
  }
  // the packed value is read by the Gathers of its parts (checked together by samePacking), the rest by one node
  if (p?.opType !== 'Reshape' || (!pick && only(an, cur) === null)) return 'Q, K or V not split into heads by a Reshape';
  const s = an.dims(p.inputs[0]);
  const t = an.shapeEntries(p, 1);
  if (!s || !t || s.length < 2) return 'a head Reshape with a computed target';
  const R = t.values.length;
  // the target at batch 1: 0 copies the input's entry, -1 is inferred
  const vals = t.values.map((e, i) => (e === 0 ? s[i]! : e));
  if (vals.some((e) => e === null)) return 'a head Reshape with a computed target';
  const total = s.reduce((a, b) => a * b, 1);
  const known = (vals as number[]).reduce((a, b) => (b === -1 ? a : a * b), 1);
  const res = (vals as number[]).map((e) => (e === -1 ? total / known : e));
  const D = res[R - 1]!;
  const parts = pick ? res[R - 3]! : 1;
  const E = s[s.length - 1]! / parts;
  if (R < 3 || !(D > 0) || !Number.isInteger(E) || E % D !== 0 || t.values[R - 1] === 0 || t.values[R - 2] === 0) return 'a head Reshape that does not split the last axis into (heads, dim)';
  const H = E / D;
  if (res[R - 2]! % H !== 0) return 'a head Reshape that folds the heads with other axes';
  if (pick && (R < 4 || !(t.values[R - 3]! > 0) || res[R - 2] !== H)) return 'a packed head Reshape that does not split the last axis into (parts, heads, dim)';
  nodes.add(p.name);
  if (pick?.split) nodes.add(pick.split.name);
  // follow the Reshape's axes forward through the path: pos[i] is the Reshape axis now at i
  let pos = Array.from({ length: R }, (_, i) => i);
  let part = 0;
  for (const n of path) {
    nodes.add(n.name);
    if (n.opType === 'Transpose') pos = attrInts(n, 'perm', []).map((i) => pos[i]!);
    else if (n === pick?.node) {
      if (pos[pick.axis] !== R - 3 || pick.index < 0 || pick.index >= parts) return 'a Gather or Split that does not pick one part of a packed (parts, heads, dim) Reshape';
      part = pick.index;
      pos.splice(pick.axis, 1);
    }
  }
  return { split: { node: p, value: p.inputs[0]!, target: t.values, part, parts }, heads: H, dim: D, rank: pos.length, x: pos.indexOf(R - 2), d: pos.indexOf(R - 1), xSize: res[R - 2]! };
}

/**
 * Q, K and V split alike: each by its own Reshape, or all three picked from one packed Reshape whose output (through
 * its Transposes) is read by exactly their Gathers, or by one Split whose parts they are, each part once.
 */
export function samePacking(an: Analyzer, ops: readonly Operand[]): string | null {
  const packed = ops.filter((o) => o.split.parts > 1);
  if (packed.length === 0) return null;
  const node = ops[0]!.split.node;
  if (packed.length !== ops.length || ops.some((o) => o.split.node !== node) || ops[0]!.split.parts !== ops.length) return 'Q, K and V not all picked from one packed projection';
  if (new Set(ops.map((o) => o.split.part)).size !== ops.length) return 'a part of the packed projection picked twice';
  // from the Reshape through single-reader Transposes to the value the Gathers read
  let v = node.outputs[0]!;
  for (let u = only(an, v); u?.opType === 'Transpose'; u = only(an, v)) v = u.outputs[0]!;
  const readers = an.consumers.get(v) ?? [];
  const split = readers.length === 1 && readers[0]!.opType === 'Split' && readers[0]!.outputs.length === ops.length;
  if (!split && (readers.length !== ops.length || !readers.every((r) => pickOf(an, r) !== null))) return 'the packed Q, K, V are read by something other than the Gathers or the Split of its parts';
  return null;
}
