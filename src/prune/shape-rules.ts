import { attrInt, attrInts, reduceAxes, type Node } from '../graph/index.js';
import { concatAtoms, frozenAtoms, repeatEach, sliceAtoms, tile } from './index-mapping.js';
import { matchDecomposedNorm } from './channel-norm.js';
import type { Analyzer } from './analyzer.js';

// Ops without weights: how each relates its outputs' channel maps to its inputs' (share, couple, concatenate, slice).

/**
 * Broadcasting element-wise ops: full-channel operands are coupled; per-channel constants are cut with them. The
 * channel axis is that of a full-rank operand with a map (operands mapped on another axis, broadcast over this
 * one, are frozen: their channels meet this value's positions).
 */
export function elementwise(an: Analyzer, n: Node): void {
  const out = n.outputs[0]!;
  const od = an.dims(out);
  if (!od || od.length < 2) return an.unknown(n, `${n.opType} output has no channel axis`);
  const rank = od.length;
  const ins = n.inputs.filter((i): i is string => !!i);
  const mapped = ins.filter((i) => an.mapOf(i) !== undefined && an.dims(i)?.length === rank && an.dims(i)![an.axisOf(i)] === od[an.axisOf(i)]);
  // Prefer an axis whose operand still has removable channels (a LayerNorm's statistics carry a frozen map on 1).
  const live = (i: string): boolean => an.atoms(an.mapOf(i)!).some((a) => an.dg.prunable(a));
  const axes = [...new Set([...mapped.filter(live), ...mapped].map((i) => an.axisOf(i)))];
  const nchw = ins.every((i) => an.mapOf(i) === undefined || an.axisOf(i) === 1);
  if (nchw && !axes.includes(1)) axes.push(1);
  let why = '';
  for (const ax of axes) {
    const plan = elementwiseOn(an, ins, ax, od);
    if (typeof plan === 'string') {
      why ||= plan;
      continue;
    }
    // Nothing carries channels (constants, broadcast operands): the output's channels are new and frozen.
    if (plan.coupled.length === 0) {
      if (nchw) return an.frozenOutputs(n);
      why ||= `${n.opType} has no operand with channels on axis ${ax}`;
      continue;
    }
    const [first, ...rest] = plan.coupled;
    for (const m of rest) an.unionMaps(first!, m);
    for (const k of plan.constants) an.cut(n, [{ init: k, axis: ax - (rank - an.dims(k)!.length), role: 'constant' }], first!);
    for (const v of plan.across) an.freezeValue(v, n.name, `'${v}' has its channels on another axis of the output`);
    return an.shareMap(out, first!, ax);
  }
  return an.unknown(n, why || `${n.opType} mixes channel axes`);
}

/** How the operands of an element-wise op relate on channel axis `ax`, or why they cannot. */
export function elementwiseOn(an: Analyzer, ins: string[], ax: number, od: number[]): { coupled: number[]; constants: string[]; across: string[] } | string {
  const rank = od.length;
  const c = od[ax]!;
  const coupled: number[] = [];
  const constants: string[] = [];
  const across: string[] = [];
  for (const i of ins) {
    const d = an.dims(i);
    if (!d) return `input '${i}' has no known shape`;
    const a = ax - (rank - d.length);
    const m = an.mapOf(i);
    if (a < 0 || d[a] === 1) {
      // broadcast over channels
      if (m !== undefined && d.length === rank && an.axisOf(i) !== ax && an.atoms(m).length > 1) across.push(i);
      continue;
    }
    if (d[a] !== c) return `input '${i}' broadcasts oddly over channels`;
    if (an.isInit(i)) constants.push(i);
    else if (an.isConst(i)) return 'a per-channel constant from a Constant node';
    else if (d.length !== rank || m === undefined || an.axisOf(i) !== ax) return `input '${i}' has its channels on another axis`;
    else coupled.push(m);
  }
  return { coupled, constants, across };
}

export function reduce(an: Analyzer, n: Node): void {
  const x = n.inputs[0]!;
  const rank = an.dims(x)?.length ?? 0;
  const axes = reduceAxes(an.g, n, rank);
  if (axes === null) return an.unknown(n, `${n.opType} with computed axes`);
  const m = an.mapOf(x);
  const chan = m === undefined ? 1 : an.axisOf(x);
  if (m !== undefined && axes.length === 1 && axes[0] === chan) {
    const ln = matchDecomposedNorm(an.g, an.consumers, n, chan);
    if (ln) {
      for (const s of ln.stats) an.stats.add(s);
      an.dg.norms.push({ kind: 'decomposed', ...ln, map: m, axis: chan });
      return;
    }
  }
  if (axes.length === 0 || axes.includes(0) || axes.includes(chan)) return an.unknown(n, `${n.opType} over the batch or channel axis`);
  // without keepdims, every reduced axis before the channels moves them down one (NHWC mean over H, W: [N, C])
  const before = attrInt(n, 'keepdims', 1) === 0 ? axes.filter((a) => a < chan).length : 0;
  if (m !== undefined && before > 0) return an.shareMap(n.outputs[0]!, m, chan - before);
  an.passThrough(n);
}

/** Transpose: the channels follow their axis through the permutation. */
export function transpose(an: Analyzer, n: Node): void {
  const x = n.inputs[0]!;
  const m = an.mapOf(x);
  const rank = an.dims(x)?.length ?? 0;
  const perm = attrInts(n, 'perm', Array.from({ length: rank }, (_, i) => rank - 1 - i));
  if (m === undefined) return an.frozenOutputs(n);
  const to = perm.indexOf(an.axisOf(x));
  // The batch may move (a recurrent layer's [T, N, C] to [N, T, C]); the channels may not land on axis 0.
  if (to <= 0) return an.unknown(n, 'Transpose moves the channel axis to the front');
  an.shareMap(n.outputs[0]!, m, to);
}

export function concat(an: Analyzer, n: Node): void {
  const rank = an.dims(n.outputs[0])?.length ?? 0;
  const ax0 = attrInt(n, 'axis', 0);
  const ax = ax0 < 0 ? ax0 + rank : ax0;
  const ins = n.inputs.filter((i) => i);
  const chan = ins.map((i) => (an.mapOf(i) === undefined ? undefined : an.axisOf(i))).find((a) => a !== undefined);
  if (chan !== undefined && chan !== 1 && ax !== chan) return concatTokens(an, n, ins, chan);
  if (chan === undefined && (an.dims(n.outputs[0])?.length ?? 0) < 2) return; // shape arithmetic
  const on = chan ?? 1;
  if (ax !== on) return elementwiseSameShape(an, n, ins);
  const parts: Int32Array[] = [];
  for (const i of ins) {
    const m = an.mapOf(i);
    if (m !== undefined && an.axisOf(i) !== on) return an.unknown(n, 'Concat of inputs with channels on different axes');
    parts.push(m === undefined ? frozenAtoms(an.dims(i)?.[on] ?? 0) : an.atoms(m));
  }
  an.setMap(n.outputs[0]!, concatAtoms(parts), on);
}

/**
 * Concat on a token axis of a channels-last stream: mapped inputs are coupled; a constant input (a class token, also
 * broadcast by Expand) is cut along the channel axis with them.
 */
function concatTokens(an: Analyzer, n: Node, ins: string[], chan: number): void {
  const rank = an.dims(n.outputs[0])!.length;
  const maps: number[] = [];
  const constants: string[] = [];
  for (const i of ins) {
    const m = an.mapOf(i);
    if (m !== undefined) {
      if (an.axisOf(i) !== chan) return an.unknown(n, `Concat of inputs with channels on different axes`);
      maps.push(m);
      continue;
    }
    const init = an.constOrigin(i);
    const d = init ? an.dims(init) : null;
    if (!init || !d || d.length !== rank || d[chan] !== an.dims(n.outputs[0])![chan]) return an.unknown(n, `Concat of '${i}', neither a mapped value nor a constant with the channels on axis ${chan}`);
    constants.push(init);
  }
  for (const m of maps.slice(1)) an.unionMaps(maps[0]!, m);
  for (const k of constants) an.cut(n, [{ init: k, axis: chan, role: 'constant' }], maps[0]!);
  an.shareMap(n.outputs[0]!, maps[0]!, chan);
}

/** Concat on a non-channel axis: every input's channels line up with the output's. */
export function elementwiseSameShape(an: Analyzer, n: Node, ins: string[]): void {
  const maps = ins.map((i) => an.mapOf(i));
  if (maps.some((m) => m === undefined)) return an.unknown(n, `${n.opType} of constants on a non-channel axis`);
  for (const m of maps.slice(1)) an.unionMaps(maps[0]!, m!);
  an.dg.valueMaps.set(n.outputs[0]!, maps[0]!);
}

export function split(an: Analyzer, n: Node): void {
  const m = an.mapOf(n.inputs[0]);
  const rank = an.dims(n.inputs[0])?.length ?? 0;
  const ax0 = attrInt(n, 'axis', 0);
  if (m === undefined) return an.unknown(n, 'Split of a value without channels');
  const chan = an.axisOf(n.inputs[0]!);
  if ((ax0 < 0 ? ax0 + rank : ax0) !== chan) return an.passThrough(n);
  if (n.inputs[1] && !an.isInit(n.inputs[1])) return an.unknown(n, 'Split with computed sizes');
  let at = 0;
  const maps: number[] = [];
  for (const o of n.outputs) {
    const size = an.dims(o)?.[chan] ?? 0;
    maps.push(an.setMap(o, sliceAtoms(an.atoms(m), at, at + size), chan));
    at += size;
  }
  an.dg.rewrites.push({ kind: 'split', node: n.name, maps });
}

export function slice(an: Analyzer, n: Node): void {
  const m = an.mapOf(n.inputs[0]);
  if (m === undefined) return an.unknown(n, 'Slice of a value without channels');
  const rank = an.dims(n.inputs[0])?.length ?? 0;
  if (n.inputs.length < 3) return an.unknown(n, 'Slice with attribute bounds (opset 1)');
  const [starts, ends] = [an.ints(n.inputs[1]), an.ints(n.inputs[2])];
  const axes = n.inputs[3] ? an.ints(n.inputs[3]) : starts?.map((_, i) => i) ?? null;
  const steps = n.inputs[4] ? an.ints(n.inputs[4]) : starts?.map(() => 1) ?? null;
  if (!starts || !ends || !axes || !steps) return an.unknown(n, 'Slice with computed bounds');
  const chan = an.axisOf(n.inputs[0]!);
  const at = axes.findIndex((x) => (x < 0 ? x + rank : x) === chan);
  if (at < 0) return an.passThrough(n);
  if (steps[at] !== 1) return an.unknown(n, 'Slice on channels with a step other than 1');
  const c = an.atoms(m).length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + c : v, 0), c);
  const start = clamp(starts[at]!);
  const end = Math.max(start, clamp(ends[at]!));
  an.setMap(n.outputs[0]!, sliceAtoms(an.atoms(m), start, end), chan);
  an.dg.rewrites.push({ kind: 'slice', node: n.name, map: m, at, start, end });
}

export function flatten(an: Analyzer, n: Node): void {
  const d = an.dims(n.inputs[0]);
  const m = an.mapOf(n.inputs[0]);
  const ax0 = attrInt(n, 'axis', 1);
  if (!d || m === undefined || (ax0 < 0 ? ax0 + d.length : ax0) !== 1) return an.unknown(n, 'Flatten that merges the batch and channel axes');
  const flat = flattenedAtoms(an, n.inputs[0]!, d, m);
  if (!flat) return an.unknown(n, `Flatten of a value whose channels are on axis ${an.axisOf(n.inputs[0]!)}, neither the first after the batch nor the last`);
  an.setMap(n.outputs[0]!, flat);
}

/**
 * The features of [N, ...] flattened to [N, K]: each channel a block of positions when channels are on axis 1
 * (NCHW), or every C-th position when they are last (NHWC, as Keras flattens); null otherwise.
 */
function flattenedAtoms(an: Analyzer, v: string, d: readonly number[], m: number): Int32Array | null {
  const axis = an.axisOf(v);
  if (axis === 1) return repeatEach(an.atoms(m), d.slice(2).reduce((p, q) => p * q, 1));
  if (axis === d.length - 1) return tile(an.atoms(m), d.slice(1, -1).reduce((p, q) => p * q, 1));
  return null;
}

export function reshape(an: Analyzer, n: Node): void {
  const s = an.dims(n.inputs[0]);
  const t = an.dims(n.outputs[0]);
  const m = an.mapOf(n.inputs[0]);
  if (!s || !t || m === undefined) return an.unknown(n, 'Reshape of a value without channels');
  const chan = an.axisOf(n.inputs[0]!);
  const target = an.shapeEntries(n, 1);
  if (!target) return an.unknown(n, 'Reshape with a computed shape');
  if (target.values.length !== t.length) return an.unknown(n, 'Reshape with a target of unknown length');
  const c = s[chan]!;
  // The channel axis kept whole: channels last in and out with the same width (only the leading axes regroup),
  // or the axes before it keep their product (symbols alike) and only those after it regroup.
  let to = -1;
  if (chan === s.length - 1 && t[t.length - 1] === c) to = t.length - 1;
  else {
    const full = an.g.valueInfo.get(n.inputs[0]!)?.shape;
    const fullT = an.g.valueInfo.get(n.outputs[0]!)?.shape;
    for (let k = 1; k < t.length && full && fullT; k++) if (t[k] === c && sameProduct(full.slice(0, chan), fullT.slice(0, k))) to = k;
  }
  if (to > 0 && c > 1) {
    const entry = target.values[to];
    if (entry === 0 && to !== chan) return an.unknown(n, 'Reshape copies the channel count from another axis');
    if (entry !== -1 && entry !== 0) {
      const at = target.locate(to);
      if (!at || entry !== c) return an.unknown(n, 'Reshape whose channel entry is computed');
      an.dg.rewrites.push({ kind: 'entry', ...at, map: m });
    }
    an.shareMap(n.outputs[0]!, m, to);
    return;
  }
  if (!an.isInit(n.inputs[1])) return an.unknown(n, 'Reshape with a computed shape');
  const all = s.slice(1).reduce((p, q) => p * q, 1);
  if (s[0] !== t[0] || s.length < 2 || t.length < 2) return an.unknown(n, 'Reshape that moves the channel axis');
  const out = t.length === 2 && t[1] === all ? flattenedAtoms(an, n.inputs[0]!, s, m) : null;
  if (!out) {
    const merged = mergeTrailing(an, n, an.ints(n.inputs[1])!);
    if (!merged) return an.unknown(n, 'Reshape that mixes channels');
    const id = merged.shared ? merged.map : an.setMap(n.outputs[0]!, merged.atoms, merged.axis);
    if (merged.shared) an.shareMap(n.outputs[0]!, merged.map, merged.axis);
    an.dg.rewrites.push({ kind: 'reshape', node: n.name, map: id, at: merged.axis });
    return;
  }
  const id = an.setMap(n.outputs[0]!, out);
  an.dg.rewrites.push({ kind: 'reshape', node: n.name, map: id });
}

/** Products of two lists of dims are equal: numbers multiply, symbols (the batch) must appear alike. */
function sameProduct(a: readonly (number | string)[], b: readonly (number | string)[]): boolean {
  const num = (xs: readonly (number | string)[]): number => xs.reduce<number>((p, x) => (typeof x === 'number' ? p * x : p), 1);
  const sym = (xs: readonly (number | string)[]): string => xs.filter((x) => typeof x === 'string').sort().join('*');
  return num(a) === num(b) && sym(a) === sym(b);
}

/** Squeeze and Unsqueeze away from the batch (axis 0) and channel axes: the channel axis shifts by the axes before it. */
export function squeeze(an: Analyzer, n: Node): void {
  const x = n.inputs[0];
  const inRank = an.dims(x)?.length ?? 0;
  const outRank = an.dims(n.outputs[0])?.length ?? 0;
  const axes0 = n.inputs[1] ? an.ints(n.inputs[1]) : [...attrInts(n, 'axes', [])];
  const rank = n.opType === 'Squeeze' ? inRank : outRank;
  const m = an.mapOf(x);
  const chan = m === undefined ? 1 : an.axisOf(x!);
  const axes = axes0?.map((a) => (a < 0 ? a + rank : a)) ?? null;
  if (!axes || axes.length === 0 || axes.includes(0) || (n.opType === 'Squeeze' && axes.includes(chan))) return an.unknown(n, `${n.opType} on the batch or channel axis`);
  if (m === undefined) return an.passThrough(n);
  let to = chan;
  if (n.opType === 'Squeeze') to -= axes.filter((a) => a < chan).length;
  else for (const a of [...axes].sort((p, q) => p - q)) if (a <= to) to++;
  if (to < 1) return an.unknown(n, `${n.opType} moves the channel axis to the front`);
  an.shareMap(n.outputs[0]!, m, to);
}

/**
 * Reshape that keeps a prefix of axes and merges the rest into one (a recurrent layer's [T, N, dirs, H] into
 * [T, N, dirs x H]): channels in the prefix keep their axis; channels among the merged axes (of known sizes) become
 * blocks of the merged axis. The prefix is kept by copying (target 0) or by equal known sizes.
 */
function mergeTrailing(an: Analyzer, n: Node, target: readonly number[]): { shared: true; map: number; axis: number } | { shared: false; atoms: Int32Array; axis: number } | null {
  const x = n.inputs[0]!;
  const m = an.mapOf(x)!;
  const sv = an.g.valueInfo.get(x)?.shape;
  const tv = an.g.valueInfo.get(n.outputs[0]!)?.shape;
  if (!sv || !tv || tv.length < 2 || tv.length > sv.length || attrInt(n, 'allowzero', 0) !== 0) return null;
  const k = tv.length - 1;
  for (let i = 0; i < k; i++) if (!(target[i] === 0 || (typeof sv[i] === 'number' && sv[i] === tv[i]))) return null;
  const rest = sv.slice(k);
  if (rest.some((d) => typeof d !== 'number')) return null;
  const sizes = rest as number[];
  if (tv[k] !== sizes.reduce((p, q) => p * q, 1)) return null;
  const chan = an.axisOf(x);
  if (chan < k) return { shared: true, map: m, axis: chan };
  const c = chan - k;
  const inner = sizes.slice(c + 1).reduce((p, q) => p * q, 1);
  const outer = sizes.slice(0, c).reduce((p, q) => p * q, 1);
  return { shared: false, atoms: tile(repeatEach(an.atoms(m), inner), outer), axis: k };
}

/** Shape reads dims; only dims other than the channel axis (Gather of constant indices) are safe to read when channels change. */
export function shape(an: Analyzer, n: Node): void {
  const start = attrInt(n, 'start', 0);
  const end = n.attrs['end'] ? attrInt(n, 'end', 0) : undefined;
  if (start === 0 && end === 1) return;
  const x = n.inputs[0]!;
  const rank = an.dims(x)?.length ?? 0;
  const chan = an.mapOf(x) === undefined ? 1 : an.axisOf(x);
  const uses = an.consumers.get(n.outputs[0]!) ?? [];
  const batchOnly = start === 0 && uses.every((u) => u.opType === 'Gather' && attrInt(u, 'axis', 0) === 0 && an.ints(u.inputs[1])?.every((i) => (i < 0 ? i + rank : i) !== chan) === true);
  if (!batchOnly) an.freezeValue(n.inputs[0]!, n.name, 'its shape is read by a Shape op');
}
