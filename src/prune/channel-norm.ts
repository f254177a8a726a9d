import { attrInt, reduceAxes, type Graph, type Node } from '../graph/index.js';

/**
 * A normalisation over the channel axis (LayerNorm over C, as in ConvNeXt), either the LayerNormalization op
 * (opset 17) or the decomposition that `torch.onnx.export` writes at lower opsets:
 *
 *     mean = ReduceMean(x, [c]); d = x - mean; var = ReduceMean(d ^ 2, [c]); y = d / Sqrt(var + eps)
 *
 * Its channels are those of x (a per-channel member of x's group; the affine scale and bias that follow are
 * per-channel constants). Unlike every other member, removing channels is not the same as zeroing them: the mean
 * and variance are then taken over the kept channels only. So the pruned model computes the original with the
 * removed channels zeroed *and* each such normalisation's statistics restricted to the kept channels, which is what
 * zeroRemovedChannels (mask.ts) builds for the equivalence tests. `stats` are the nodes that read all channels.
 */
export type ChannelNorm =
  | { kind: 'decomposed'; node: string; map: number; axis: number; mean: string; center: string; variance: string; stats: string[] }
  | { kind: 'op'; node: string; map: number; axis: number; stats: string[] };

const only = (uses: Map<string, Node[]>, v: string | undefined): Node | null => {
  const u = v ? uses.get(v) ?? [] : [];
  return u.length === 1 ? u[0]! : null;
};

/**
 * Matches the decomposed LayerNorm starting at its first ReduceMean `r1` (over channel axis `axis` of its input,
 * keepdims). Every intermediate value must be read only inside the pattern, so that the statistics reach nothing but
 * the final Div. Returns the pattern's node names, or null.
 */
export function matchDecomposedNorm(g: Graph, uses: Map<string, Node[]>, r1: Node, axis: number): Omit<Extract<ChannelNorm, { kind: 'decomposed' }>, 'map' | 'axis' | 'kind'> | null {
  const x = r1.inputs[0]!;
  const rank = g.valueInfo.get(x)?.shape?.length ?? 0;
  const scalar = (v: string | undefined): number | null => {
    const t = v ? g.initializers.get(v)?.tensor : undefined;
    return t && t.numel === 1 ? (t.toArray() as number[])[0]! : null;
  };
  const isMean = (n: Node | null): n is Node => {
    if (n?.opType !== 'ReduceMean' || attrInt(n, 'keepdims', 1) !== 1) return false;
    const axes = reduceAxes(g, n, rank);
    return axes !== null && axes.length === 1 && axes[0] === axis;
  };
  if (!isMean(r1)) return null;
  const sub = only(uses, r1.outputs[0]);
  if (sub?.opType !== 'Sub' || sub.inputs[0] !== x || sub.inputs[1] !== r1.outputs[0]) return null;
  const d = sub.outputs[0]!;
  const du = uses.get(d) ?? [];
  const sq = du.find((n) => (n.opType === 'Pow' && n.inputs[0] === d && scalar(n.inputs[1]) === 2) || (n.opType === 'Mul' && n.inputs[0] === d && n.inputs[1] === d));
  const div = du.find((n) => n.opType === 'Div' && n.inputs[0] === d);
  if (!sq || !div || du.length !== 2) return null;
  const r2 = only(uses, sq.outputs[0]);
  if (!isMean(r2)) return null;
  const eps = only(uses, r2.outputs[0]);
  if (eps?.opType !== 'Add' || eps.inputs[0] !== r2.outputs[0] || scalar(eps.inputs[1]) === null) return null;
  const sqrt = only(uses, eps.outputs[0]);
  if (sqrt?.opType !== 'Sqrt' || only(uses, sqrt.outputs[0]) !== div || div.inputs[1] !== sqrt.outputs[0]) return null;
  return { node: r1.name, mean: r1.name, center: sub.name, variance: r2.name, stats: [r1.name, r2.name, eps.name, sqrt.name] };
}
