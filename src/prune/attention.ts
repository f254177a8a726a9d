import { attrInt, attrInts, type Node } from '../graph/index.js';
import type { Analyzer } from './analyzer.js';
import { back, only, samePacking, type Operand, type Split } from './attention-operands.js';

/** How attention is pruned: whole heads, or the same dimensions inside every head. */
export type AttentionMode = 'heads' | 'dims';

/**
 * One multi-head attention as exporters write it (scaled dot-product over heads split by Reshape):
 *
 *     q, k, v: [..., H·D] → Reshape [..., X, D] → Transpose/scale → S = q @ kᵀ → (+ mask, · scale) → Softmax
 *              → S @ v → Transpose → Reshape [..., H·D]
 *
 * X holds the heads with any batch and token axes folded before them (nn.MultiheadAttention's [T, N·H, D]).
 * `nodes` are every node inside (none of their values is read outside); `merge` is the last Reshape, whose output
 * has the channels of v.
 */
export type Attention = {
  q: Split; k: Split; v: Split;
  heads: number; dim: number;
  scores: Node; context: Node; merge: Node; mergeTarget: (number | null)[];
  /** Per-head tables added to the scores: initializer and its head axis. */
  tables: { node: Node; init: string; axis: number }[];
  /** Reshapes of the scores: the target entry that holds H. */
  headEntries: { node: Node; at: number }[];
  nodes: Set<string>;
};

/** Finds every attention of the graph from its Softmax nodes; one that cannot be proven is noted with why. */
export function findAttention(an: Analyzer): { blocks: Attention[]; rejected: { node: string; reason: string }[] } {
  const blocks: Attention[] = [];
  const rejected: { node: string; reason: string }[] = [];
  for (const n of an.g.nodes) {
    if (n.opType !== 'Softmax') continue;
    const r = matchAt(an, n);
    if (typeof r === 'string') {
      // a Softmax fed by a MatMul of two computed values is attention that stays whole
      if (r !== 'no scores MatMul') rejected.push({ node: n.name, reason: `attention left whole: ${r}` });
    } else blocks.push(r);
  }
  return { blocks, rejected };
}

function matchAt(an: Analyzer, softmax: Node): Attention | string {
  const nodes = new Set<string>([softmax.name]);
  const rankS = an.dims(softmax.inputs[0])?.length ?? 0;
  const sAxis = attrInt(softmax, 'axis', an.g.opset >= 13 ? -1 : 1);
  // back from the Softmax: mask, bias and scale ops (and Reshapes that regroup the leading axes) to the scores MatMul
  const pre: Node[] = [];
  let v = softmax.inputs[0]!;
  let p = an.producer(v);
  while (p && (SCORE_OPS.has(p.opType) || p.opType === 'Reshape')) {
    if (only(an, v) === null) return 'the scores are read elsewhere';
    pre.unshift(p);
    nodes.add(p.name);
    // follow the operand that leads to the MatMul (the other one is the mask, the bias or the scale)
    const next = p.opType === 'Reshape' ? p.inputs[0] : p.inputs.find((i) => i && !an.isConst(i) && leadsToMatMul(an, i));
    if (!next || (p.opType !== 'Reshape' && p.inputs.filter((i) => i && leadsToMatMul(an, i)).length !== 1)) return 'scores combined in an unknown way';
    v = next;
    p = an.producer(v);
  }
  if (p?.opType !== 'MatMul' || an.isConst(p.inputs[0]) || an.isConst(p.inputs[1])) return 'no scores MatMul';
  if (only(an, v) === null) return 'the scores are read elsewhere';
  const scores = p;
  nodes.add(scores.name);
  if ((sAxis < 0 ? sAxis + rankS : sAxis) !== rankS - 1 || (an.g.opset < 13 && rankS !== 2)) return 'Softmax not over the last axis';
  let attn = only(an, softmax.outputs[0]!);
  let weights = softmax.outputs[0]!;
  // dropout on the weights (an identity at inference) whose mask nobody reads
  if (attn?.opType === 'Dropout' && !attn.outputs.slice(1).some((o) => o && (an.consumers.get(o) ?? []).length)) {
    nodes.add(attn.name);
    weights = attn.outputs[0]!;
    attn = only(an, weights);
  }
  if (attn?.opType !== 'MatMul' || attn.inputs[0] !== weights) return 'the weights are read by something other than the value MatMul';
  nodes.add(attn.name);
  const q = back(an, scores.inputs[0]!, nodes);
  const k = back(an, scores.inputs[1]!, nodes);
  const vv = back(an, attn.inputs[1]!, nodes);
  if (typeof q === 'string') return q;
  if (typeof k === 'string') return k;
  if (typeof vv === 'string') return vv;
  const packing = samePacking(an, [q, k, vv]);
  if (packing) return packing;
  const hd = [q, k, vv].map((x) => x.heads * 1000003 + x.dim);
  if (hd[0] !== hd[1] || hd[1] !== hd[2]) return 'Q, K and V split into different heads';
  const R = q.rank;
  // where X (heads) and D sit at each MatMul
  if (q.d !== R - 1 || vv.d !== R - 1 || k.d !== R - 2 || k.rank !== R || vv.rank !== R) return 'head dimensions not contracted as q @ kᵀ and weights @ v';
  if (q.x !== k.x || q.x !== vv.x || q.x >= R - 2) return 'heads not on the same batch axis of the products';
  const scored = scoreOps(an, pre, q, R);
  if (typeof scored === 'string') return scored;
  if (scored.rank !== rankS || scored.axis !== q.x) return 'the scores reach the Softmax with their heads moved';
  const { tables, headEntries } = scored;
  // forward from the context to the merge Reshape
  let c = attn.outputs[0]!;
  let x = q.x;
  let d = R - 1;
  for (;;) {
    const u = only(an, c);
    if (!u) return 'the context is read elsewhere';
    if (u.opType === 'Transpose') {
      const perm = attrInts(u, 'perm', []);
      x = perm.indexOf(x);
      d = perm.indexOf(d);
      nodes.add(u.name);
      c = u.outputs[0]!;
      continue;
    }
    if (u.opType !== 'Reshape') return `the context goes to ${u.opType}, not a Transpose and Reshape that merge the heads`;
    const t = an.shapeEntries(u, 1);
    const s = an.dims(c)!;
    const out = an.dims(u.outputs[0])!;
    const E = q.heads * q.dim;
    if (!t || x !== s.length - 2 || d !== s.length - 1 || out[out.length - 1] !== E) return 'heads not merged back into the last axis';
    nodes.add(u.name);
    const outs = new Set(an.g.outputs.map((o) => o.name));
    const seen = an.g.nodes.filter((nd) => nodes.has(nd.name) && nd !== u && nd.outputs.some((o) => outs.has(o)));
    if (seen.length) return `'${seen[0]!.outputs[0]!}' inside it is a network output`;
    return { q: q.split, k: k.split, v: vv.split, heads: q.heads, dim: q.dim, scores, context: attn, merge: u, mergeTarget: t.values, tables, headEntries, nodes };
  }
}

const SCORE_OPS = new Set(['Add', 'Sub', 'Mul', 'Div']);

/**
 * The ops between the scores MatMul and the Softmax, forward: per-head initializers added (cut with their heads), and
 * Reshapes that keep the heads and every axis after them (Swin's [B·nW, H, N, N] ↔ [B, nW, H, N, N] around its
 * shifted-window mask), whose head entry is rewritten. Returns where the heads are at the end.
 */
function scoreOps(an: Analyzer, pre: readonly Node[], q: Operand, R: number): { rank: number; axis: number; tables: Attention['tables']; headEntries: Attention['headEntries'] } | string {
  const tables: Attention['tables'] = [];
  const headEntries: Attention['headEntries'] = [];
  let rank = R;
  let axis = q.x;
  for (const node of pre) {
    if (node.opType === 'Reshape') {
      const s = an.dims(node.inputs[0]);
      const o = an.dims(node.outputs[0]);
      const t = an.shapeEntries(node, 1);
      if (!s || !o || !t || t.values.length !== o.length) return 'a Reshape of the scores with a computed target';
      const keep = s.length - axis;
      const to = o.length - keep;
      // a 0 entry copies the input's dim: only the leading ones, which pruning leaves as they are
      const copies = t.values.some((e, i) => e === 0 && i >= axis);
      if (to < 0 || copies || s.slice(axis).join() !== o.slice(to).join() || t.values[to] !== q.heads || !t.locate(to)) return 'a Reshape of the scores that does not keep the heads and the axes after them';
      headEntries.push({ node, at: to });
      rank = o.length;
      axis = to;
      continue;
    }
    for (const i of node.inputs) {
      if (!i || leadsToMatMul(an, i)) continue;
      const d = an.dims(i);
      if (!d) return `'${i}' of unknown shape is added to the scores`;
      const ax = axis - (rank - d.length);
      if (ax < 0) continue;
      // a symbolic size on the heads' axis is the batch folded with the heads (nn.MultiheadAttention's [N·H, L, L]
      // masks), which dims() reads as 1: such a mask has a value per head, and cutting heads would break its shape
      if (typeof an.g.valueInfo.get(i)?.shape?.[ax] !== 'number' && !an.isInit(i)) return `'${i}' adds a computed value per head (heads folded with the batch)`;
      if (d[ax] === 1) continue;
      if (!an.isInit(i) || d[ax] !== q.heads || q.xSize !== q.heads) return `'${i}' adds a value per head that is computed, or heads folded with other axes`;
      tables.push({ node, init: i, axis: ax });
    }
  }
  return { rank, axis, tables, headEntries };
}

/** True when `v` is made, through element-wise ops and Reshapes, by a MatMul of two computed values. */
function leadsToMatMul(an: Analyzer, v: string): boolean {
  for (let p = an.producer(v), i = 0; p && i < 8; p = an.producer(p.opType === 'Reshape' ? p.inputs[0] : p.inputs.find((x) => x && !an.isConst(x))), i++) {
    if (p.opType === 'MatMul') return !an.isConst(p.inputs[1]);
    if (!SCORE_OPS.has(p.opType) && p.opType !== 'Reshape') return false;
  }
  return false;
}

/**
 * Relates the channels of one attention: in `heads` mode every channel of head h in Q, K and V is one unit (a head
 * goes whole); in `dims` mode dimension j of every head is one unit. The merged output carries V's channels. The
 * head Reshapes' (X, D) entries and the merge's H·D entry are rewritten; per-head tables are cut by head.
 */
export function relateAttention(an: Analyzer, a: Attention, mode: AttentionMode): void {
  const ins = [a.q, a.k, a.v].map((s) => s.value);
  const maps = ins.map((v) => an.mapOf(v));
  const E = a.heads * a.dim;
  const parts = a.q.parts;
  const bad = ins.find((v, i) => maps[i] === undefined || an.axisOf(v) !== (an.dims(v)?.length ?? 0) - 1 || an.atoms(maps[i]!).length !== E * parts);
  const outRank = an.dims(a.merge.outputs[0])?.length ?? 0;
  if (bad !== undefined) {
    for (const v of ins) an.freezeValue(v, a.merge.name, 'attention over channels that are not last');
    an.note(a.merge.name, `attention left whole: '${bad}' has no channels on its last axis`);
    if (outRank >= 2) an.frozenOutputs(a.merge);
    return;
  }
  // a packed projection's parts are consecutive blocks of E channels of its one value
  const [qm, km, vm] = [a.q, a.k, a.v].map((s, i) => (parts === 1 ? maps[i]! : an.newMap(an.atoms(maps[i]!).slice(s.part * E, (s.part + 1) * E)))) as [number, number, number];
  const [qa, ka, va] = [an.atoms(qm), an.atoms(km), an.atoms(vm)];
  for (let h = 0; h < a.heads; h++) {
    for (let j = 0; j < a.dim; j++) {
      const i = h * a.dim + j;
      const root = mode === 'heads' ? qa[h * a.dim]! : qa[j]!;
      an.dg.union(root, qa[i]!);
      an.dg.union(root, ka[i]!);
      an.dg.union(root, va[i]!);
    }
  }
  const headMap = an.newMap(Int32Array.from({ length: a.heads }, (_, h) => qa[h * a.dim]!));
  const dimMap = an.newMap(qa.slice(0, a.dim));
  const entry = (s: { node: Node }, target: (number | null)[], at: number, map: number): void => {
    if (!(target[at]! > 0)) return;
    const where = an.shapeEntries(s.node, 1)!.locate(at);
    if (where) an.dg.rewrites.push({ kind: 'entry', ...where, map });
  };
  // a packed Reshape is one node for Q, K and V: its entry is rewritten once
  for (const s of new Set([a.q, a.k, a.v].map((x) => x.node)).size === 1 ? [a.q] : [a.q, a.k, a.v]) {
    const R = s.target.length;
    if (mode === 'heads') entry(s, s.target, R - 2, headMap);
    else entry(s, s.target, R - 1, dimMap);
  }
  entry({ node: a.merge }, a.mergeTarget, a.mergeTarget.length - 1, qm);
  if (mode === 'heads') for (const h of a.headEntries) entry({ node: h.node }, an.shapeEntries(h.node, 1)!.values, h.at, headMap);
  if (mode === 'heads') for (const t of a.tables) an.cut(t.node, [{ init: t.init, axis: t.axis, role: 'constant' }], headMap);
  an.mac(a.scores, [qm]);
  an.mac(a.context, [vm]);
  an.dg.kindHints.push({ map: qm, kind: mode === 'heads' ? 'heads' : 'head-dims', unitSize: mode === 'heads' ? a.dim : a.heads });
  an.shareMap(a.merge.outputs[0]!, vm, outRank - 1);
  // the stream that the projections read is the residual stream (its width is the embedding)
  for (const v of ins) {
    const x = projectionInput(an, v);
    const m = x ? an.mapOf(x) : undefined;
    if (m !== undefined) an.dg.kindHints.push({ map: m, kind: 'embedding', unitSize: 1 });
  }
}

/** The input of the Q, K or V projection (through its bias Add and a Slice or Split of a packed projection). */
function projectionInput(an: Analyzer, v: string): string | undefined {
  let p = an.producer(v);
  for (let i = 0; p && i < 4; i++, p = an.producer(p.inputs.find((x) => x && !an.isConst(x)))) {
    if (p.opType === 'MatMul' || p.opType === 'Gemm') return an.isConst(p.inputs[1]) ? p.inputs[0] : undefined;
    if (!['Add', 'Slice', 'Split'].includes(p.opType)) return undefined;
  }
  return undefined;
}
