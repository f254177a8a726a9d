import { attrInt, attrTensor, type Node } from '../graph/index.js';
import { tile } from './index-mapping.js';
import type { Analyzer } from './analyzer.js';

const GATES: Readonly<Record<string, number>> = { RNN: 1, GRU: 3, LSTM: 4 };

/**
 * A GRU, LSTM or RNN node: its hidden units are a new source (kind 'hidden'). Unit j is row j of every gate in W,
 * R and B (and the LSTM peepholes), column j of R, entry j of the initial states, and position j of Y, Y_h and Y_c
 * in every direction: the directions of a bidirectional layer are cut alike, as Torch-Pruning cuts `_reverse`
 * weights, so that the consumers' columns of Y ([forward H | backward H] after the exporter's reshape) stay
 * coupled. The input features (W's columns) follow X's channels on its last axis. A zero initial state computed by
 * the exporter (Expand of zeros, ConstantOfShape) is dropped from the pruned node (ONNX's default is zeros); an
 * initializer state is cut; any other computed state leaves the layer whole.
 *
 * Example: a bidirectional GRU with H = 12 gives one group of 12 units: W [2, 36, I] loses rows j, 12 + j, 24 + j,
 * B [2, 72] six entries per unit, R [2, 36, 12] those rows and column j, and the Gemm reading [N, 24] columns j and 12 + j.
 */
export function recurrent(an: Analyzer, n: Node): void {
  const op = n.opType;
  const gates = GATES[op]!;
  const [x, w, r, b, , h0, c0, p] = n.inputs;
  if (!an.isInit(w) || !an.isInit(r) || (b && !an.isInit(b)) || (p && !an.isInit(p))) return an.unknown(n, `${op} weights are computed, not initializers`);
  const [, gh, input] = an.dims(w)! as [number, number, number];
  const hidden = gh / gates;
  if (attrInt(n, 'hidden_size', hidden) !== hidden) return an.unknown(n, `${op} hidden_size does not match its weights`);
  const states: { v: string; index: number }[] = [];
  for (const [v, index] of [[h0, 5], [op === 'LSTM' ? c0 : undefined, 6]] as const) if (v) states.push({ v, index });
  const computed = states.find((s) => !an.isInit(s.v) && !zeroState(an, s.v));
  if (computed) return an.unknown(n, `${op} initial state '${computed.v}' is computed and not provably zero`);

  const [y, yh, yc] = n.outputs;
  const layout = attrInt(n, 'layout', 0);
  // Y is [T, dirs, N, H] ([N, T, dirs, H] with layout 1), Y_h and Y_c [dirs, N, H] ([N, dirs, H]).
  const value = y || yh || yc;
  if (!value) return an.unknown(n, `${op} has no output`);
  const hid = an.newSource(n, hidden, value === y ? 3 : 2, { kind: 'hidden', value, batchAxis: layout === 1 ? 0 : value === y ? 2 : 1 });
  for (const o of [yh, yc]) if (o && o !== value) an.shareMap(o, hid, 2);
  const atoms = an.atoms(hid);
  const rows = an.newMap(tile(atoms, gates));
  an.cut(n, [{ init: w!, axis: 1, role: 'weight' }, { init: r!, axis: 1, role: 'weight' }], rows);
  an.cut(n, [{ init: r!, axis: 2, role: 'weight' }], hid, 'in');
  if (b) an.cut(n, [{ init: b, axis: 1, role: 'bias' }], an.newMap(tile(atoms, 2 * gates)));
  if (p) an.cut(n, [{ init: p, axis: 1, role: 'weight' }], an.newMap(tile(atoms, 3)));
  for (const s of states) {
    if (an.isInit(s.v)) an.cut(n, [{ init: s.v, axis: 2, role: 'constant' }], hid);
    else an.dg.rewrites.push({ kind: 'drop-input', node: n.name, map: hid, index: s.index });
  }
  an.dg.rewrites.push({ kind: 'hidden-size', node: n.name, map: hid });

  // MACs: directions x steps x (gates x H) x (I + H); the input part scales with H (and I when X's features are
  // cut), the recurrent part with H squared.
  const xin = an.mapOf(x);
  const features = xin !== undefined && an.axisOf(x!) === 2 && an.atoms(xin).length === input ? xin : undefined;
  if (features !== undefined) an.cut(n, [{ init: w!, axis: 2, role: 'weight' }], features, 'in');
  else if (xin !== undefined) an.freezeValue(x!, n.name, `${op} reads its input features on the last axis`);
  const macs = an.macsOf(n);
  if (macs) {
    const part = macs / (input + hidden);
    an.dg.macTerms.push({ node: n.name, macs: part * input, maps: features !== undefined ? [hid, features] : [hid] });
    an.dg.macTerms.push({ node: n.name, macs: part * hidden, maps: [hid, hid] });
  }
}

/** Ops whose output holds only elements of their first input (so zeros in give zeros out). */
const SELECTS = new Set(['Expand', 'Slice', 'Gather', 'Split', 'Reshape', 'Squeeze', 'Unsqueeze', 'Identity', 'Transpose']);

/**
 * True when `v` is provably all zeros: a zero initializer, ConstantOfShape of 0, or an Expand, Slice, Gather, Split or
 * reshape of those (a stacked layer's initial state is a Slice of one zero tensor for all layers).
 */
function zeroState(an: Analyzer, v: string, depth = 0): boolean {
  if (an.isInit(v)) return an.g.initializers.get(v)!.tensor.toArray().every((e: number) => e === 0);
  const p = an.producer(v);
  if (!p || depth > 8) return false;
  if (p.opType === 'ConstantOfShape') {
    const t = attrTensor(p, 'value');
    return !t || Array.prototype.every.call(t.data, (e: number | bigint) => Number(e) === 0);
  }
  return SELECTS.has(p.opType) && !!p.inputs[0] && zeroState(an, p.inputs[0], depth + 1);
}
