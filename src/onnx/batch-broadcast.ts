import type { Node } from '../graph/index.js';
import type { Probe } from './probe.js';
import { int64, type BatchPlace, type Put } from './batch-place.js';

/**
 * Concat inputs (or an RNN's initial states) that hold the export batch 1 where the node's other inputs carry the
 * batch, broadcast to it: Expand(v, [1.., Shape(partner)[k], ..1]). The inserted nodes are run and added to `out`.
 */
export function broadcastPartners(
  n: Node, p1: Probe, p2: Probe, place: Map<string, BatchPlace>, put: Put, fresh: (h: string) => string,
  runBoth: (n: Node) => void, out: Node[],
): Node | null {
  const targets: { input: number; axis: number; ref: string; refAxis: number }[] = [];
  if (n.opType === 'Concat') {
    const ref = n.inputs.find((i) => i && place.get(i)?.p === 1 && place.get(i)?.q === 1);
    if (!ref) return null;
    const k = place.get(ref)!.axis;
    n.inputs.forEach((v, i) => {
      if (v && !place.has(v) && p2.shape(v)?.[k] === 1) targets.push({ input: i, axis: k, ref, refAxis: k });
    });
  } else if (n.opType === 'RNN' || n.opType === 'GRU' || n.opType === 'LSTM') {
    const layout = n.attrs['layout']?.kind === 'int' ? n.attrs['layout'].value : 0;
    const x = n.inputs[0]!;
    const k = layout === 0 ? 1 : 0;
    if (place.get(x)?.axis !== k) return null;
    for (const i of n.opType === 'LSTM' ? [5, 6] : [5]) {
      const v = n.inputs[i];
      if (v && !place.has(v) && p2.shape(v)?.[k] === 1) targets.push({ input: i, axis: k, ref: x, refAxis: k });
    }
  }
  if (targets.length === 0) return null;
  const inputs = [...n.inputs];
  for (const tg of targets) {
    const v = inputs[tg.input]!;
    const rank = p2.shape(v)!.length;
    const shapeOut = fresh(`${n.name}_batch_of_${tg.ref}`);
    const sizeOut = fresh(`${n.name}_batch_size`);
    const fullOut = fresh(`${n.name}_batch_expand_shape`);
    const expanded = fresh(`${v}_batched`);
    const pieces: string[] = [];
    if (tg.axis > 0) pieces.push(put(`${n.name}_ones_before`, int64(new Array<number>(tg.axis).fill(1))));
    pieces.push(sizeOut);
    if (tg.axis < rank - 1) pieces.push(put(`${n.name}_ones_after`, int64(new Array<number>(rank - tg.axis - 1).fill(1))));
    const idx = put(`${n.name}_batch_axis`, int64([tg.refAxis]));
    const axis0 = { axis: { kind: 'int', value: 0 } } as const;
    const added: Node[] = [
      { name: fresh(`${n.name}_batch_shape`), opType: 'Shape', domain: '', inputs: [tg.ref], outputs: [shapeOut], attrs: {} },
      { name: fresh(`${n.name}_batch_gather`), opType: 'Gather', domain: '', inputs: [shapeOut, idx], outputs: [sizeOut], attrs: axis0 },
      { name: fresh(`${n.name}_batch_concat`), opType: 'Concat', domain: '', inputs: pieces, outputs: [fullOut], attrs: axis0 },
      { name: fresh(`${n.name}_batch_expand`), opType: 'Expand', domain: '', inputs: [v, fullOut], outputs: [expanded], attrs: {} },
    ];
    for (const a of added) {
      runBoth(a);
      out.push(a);
    }
    place.set(expanded, { axis: tg.axis, p: 1, q: 1 });
    inputs[tg.input] = expanded;
  }
  const patched = { ...n, inputs };
  p1.run(patched);
  return patched;
}
