import { attrInt, type Node } from '../graph/index.js';
import { convPruner, convTransposePruner, linearPruner, batchNormPruner } from './layer-pruners.js';
import type { Analyzer } from './analyzer.js';

// Layers with weights: each makes new channels (a source) and cuts its weights along its input's and its own maps.

export function conv(an: Analyzer, n: Node): void {
  const [x, w, b] = n.inputs;
  if (!an.isInit(w) || (b && !an.isInit(b))) return an.unknown(n, 'Conv weights are computed, not initializers');
  const xin = an.mapOf(x);
  const group = attrInt(n, 'group', 1);
  const out = an.newSource(n, convPruner.getOutChannels(n, an.g));
  if (xin === undefined) return an.unknown(n, 'Conv input has no known channel axis');
  an.cut(n, convPruner.pruneOutChannels(n, an.g), out);
  if (group === 1) {
    an.cut(n, convPruner.pruneInChannels(n, an.g), xin, 'in');
    return an.mac(n, [out, xin]);
  }
  // Grouped and depthwise: a group's input and output channels go together, so whole groups are removed.
  const ins = an.atoms(xin);
  const outs = an.atoms(out);
  const ig = ins.length / group;
  const og = outs.length / group;
  for (let k = 0; k < group; k++) {
    const first = outs[k * og]!;
    for (let j = 0; j < og; j++) an.dg.union(first, outs[k * og + j]!);
    for (let j = 0; j < ig; j++) an.dg.union(first, ins[k * ig + j]!);
  }
  an.dg.rewrites.push({ kind: 'group', node: n.name, map: out, perGroup: og });
  an.mac(n, [out]);
}

export function convTranspose(an: Analyzer, n: Node): void {
  const [x, w, b] = n.inputs;
  if (!an.isInit(w) || (b && !an.isInit(b))) return an.unknown(n, 'ConvTranspose weights are computed, not initializers');
  if (attrInt(n, 'group', 1) !== 1) return an.unknown(n, 'grouped ConvTranspose is not pruned');
  if (n.attrs['output_shape']) return an.unknown(n, 'ConvTranspose with an explicit output_shape');
  const xin = an.mapOf(x);
  if (xin === undefined) return an.unknown(n, 'ConvTranspose input has no known channel axis');
  const out = an.newSource(n, convTransposePruner.getOutChannels(n, an.g));
  an.cut(n, convTransposePruner.pruneOutChannels(n, an.g), out);
  an.cut(n, convTransposePruner.pruneInChannels(n, an.g), xin, 'in');
  an.mac(n, [xin, out]);
}

/** Gemm, or MatMul by a 2-D weight on the last axis: features in on x's last axis, out on the output's. */
export function linear(an: Analyzer, n: Node): void {
  const [x, w] = n.inputs;
  const xd = an.dims(x);
  if (an.isConst(x) || !an.isInit(w) || an.dims(w)?.length !== 2) return an.unknown(n, `${n.opType} without a 2-D initializer weight`);
  const rank = xd?.length ?? 0;
  if (rank < 2 || (n.opType === 'Gemm' && rank !== 2)) return an.unknown(n, `${n.opType} on a rank-${xd?.length ?? '?'} input`);
  if (n.opType === 'Gemm' && attrInt(n, 'transA', 0) !== 0) return an.unknown(n, 'Gemm with transA');
  const xin = an.mapOf(x);
  if (xin === undefined || an.axisOf(x!) !== rank - 1) return an.unknown(n, `${n.opType} over an axis that is not the input's channel axis`);
  const c = n.opType === 'Gemm' ? n.inputs[2] : undefined;
  const outN = linearPruner.getOutChannels(n, an.g);
  if (c && (!an.isInit(c) || !cShapeOk(an.dims(c)!, outN))) return an.unknown(n, 'Gemm with a computed or 2-D bias');
  const out = an.newSource(n, outN, rank - 1);
  an.cut(n, linearPruner.pruneOutChannels(n, an.g), out);
  an.cut(n, linearPruner.pruneInChannels(n, an.g), xin, 'in');
  an.mac(n, [out, xin]);
}

function cShapeOk(d: number[], out: number): boolean {
  const numel = d.reduce((p, q) => p * q, 1);
  return numel === 1 || (numel === out && d[d.length - 1] === out);
}

export function norm(an: Analyzer, n: Node): void {
  const m = an.mapOf(n.inputs[0]);
  const params = n.inputs.slice(1);
  if (m === undefined || !params.every((p) => an.isInit(p))) return an.unknown(n, `${n.opType} with computed parameters`);
  an.cut(n, batchNormPruner.pruneOutChannels(n, an.g), m);
  an.passThrough(n);
}

/** LayerNormalization over exactly the channel axis (the last one): scale and bias are cut per channel. */
export function layerNorm(an: Analyzer, n: Node): void {
  const [x, scale, bias] = n.inputs;
  const m = an.mapOf(x);
  const rank = an.dims(x)?.length ?? 0;
  const ax0 = attrInt(n, 'axis', -1);
  const chan = m === undefined ? -1 : an.axisOf(x!);
  if (m === undefined || (ax0 < 0 ? ax0 + rank : ax0) !== chan || chan !== rank - 1) return an.unknown(n, 'LayerNormalization over axes other than exactly the channel axis');
  if (!an.isInit(scale) || (bias && !an.isInit(bias)) || n.outputs.length > 1 && n.outputs.slice(1).some((o) => o)) return an.unknown(n, 'LayerNormalization with computed parameters or statistics outputs');
  an.cut(n, [{ init: scale!, axis: 0, role: 'constant' }, ...(bias ? [{ init: bias, axis: 0, role: 'constant' as const }] : [])], m);
  an.dg.norms.push({ kind: 'op', node: n.name, map: m, axis: chan, stats: [n.name] });
  an.shareMap(n.outputs[0]!, m, chan);
}
