import { attrInt, type Node } from '../graph/index.js';
import type { Analyzer } from './analyzer.js';

// Ops of token streams ([N, T, E], channels last): embedding lookups, picking tokens, broadcasting constants.

/**
 * Gather. On a 2-D initializer table along axis 0 (nn.Embedding: ids → [..., E]) the table's columns are new
 * channels, cut by output width. On a value with channels, along another axis (the class token picked from
 * [N, T, E], a time step of a recurrent layer's output, whatever the indices) the channels stay apart and their axis
 * shifts by the rank the indices replace the gathered axis with.
 */
export function gather(an: Analyzer, n: Node): void {
  const [data, idx] = n.inputs;
  const d = an.dims(data);
  const od = an.dims(n.outputs[0]);
  if (!d || !od) return an.unknown(n, 'Gather with unknown shapes');
  const axis0 = attrInt(n, 'axis', 0);
  const axis = axis0 < 0 ? axis0 + d.length : axis0;
  if (an.isInit(data) && d.length === 2 && axis === 0 && !an.isConst(idx)) {
    if (od.length < 2) return an.unknown(n, 'embedding lookup without a batch axis');
    const out = an.newSource(n, d[1]!, od.length - 1);
    an.cut(n, [{ init: data!, axis: 1, role: 'weight' }], out);
    an.dg.kindHints.push({ map: out, kind: 'embedding', unitSize: 1 });
    return;
  }
  const m = an.mapOf(data);
  if (m === undefined) return an.frozenOutputs(n);
  const chan = an.axisOf(data!);
  if (axis === chan) return an.unknown(n, 'Gather along the channel axis');
  const idxRank = an.dims(idx)?.length;
  if (idxRank === undefined) return an.unknown(n, 'Gather with indices of unknown rank');
  const to = axis < chan ? chan - 1 + idxRank : chan;
  if (to <= 0) return an.unknown(n, 'Gather that leaves the channels on axis 0');
  an.shareMap(n.outputs[0]!, m, to);
}

/** Expand that broadcasts over other axes: the channels pass; an explicit channel count in the shape is rewritten. */
export function expand(an: Analyzer, n: Node): void {
  const x = n.inputs[0]!;
  const m = an.mapOf(x);
  // a broadcast constant (a class token) stays unmapped: the op that uses it cuts the initializer (constOrigin)
  if (m === undefined) return an.constOrigin(x) ? undefined : an.frozenOutputs(n);
  const chan = an.axisOf(x);
  const d = an.dims(x)!;
  const od = an.dims(n.outputs[0]);
  const shape = an.shapeEntries(n, 1);
  if (!od || !shape || od.length !== d.length) return an.unknown(n, 'Expand with a computed shape or a new rank');
  const at = chan - (od.length - shape.values.length);
  const entry = at >= 0 ? shape.values[at] : 1;
  if (entry !== 1) {
    const where = at >= 0 ? shape.locate(at) : null;
    if (entry !== d[chan] || !where) return an.unknown(n, 'Expand with a computed channel count');
    an.dg.rewrites.push({ kind: 'entry', ...where, map: m });
  }
  an.shareMap(n.outputs[0]!, m, chan);
}
