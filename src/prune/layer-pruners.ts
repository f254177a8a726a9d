import { attrInt, type Graph, type Node } from '../graph/index.js';

/** What a cut tensor is to its layer: importance criteria pick their members by role. */
export type Role = 'weight' | 'bias' | 'bn-scale' | 'bn-shift' | 'bn-stat' | 'constant';

/** One axis of one initializer that holds a layer's channels. */
export type Cut = { init: string; axis: number; role: Role };

/**
 * How to slice one kind of layer (Torch-Pruning's BasePruningFunc): where its output and input channels live.
 * `pruneOutChannels` and `pruneInChannels` name the initializer axes that removing a channel cuts; surgery applies
 * them with the kept indices. A layer whose input and output channels are the same (BatchNorm) has
 * `pruneInChannels = pruneOutChannels`.
 */
export interface LayerPruner {
  getOutChannels(node: Node, g: Graph): number;
  getInChannels(node: Node, g: Graph): number;
  pruneOutChannels(node: Node, g: Graph): Cut[];
  pruneInChannels(node: Node, g: Graph): Cut[];
}

const shapeOf = (g: Graph, name: string | undefined): number[] => (name ? g.initializers.get(name)?.tensor.shape ?? [] : []);
const isInit = (g: Graph, name: string | undefined): boolean => !!name && g.initializers.has(name);
const bias = (node: Node, g: Graph, i: number): Cut[] => (isInit(g, node.inputs[i]) ? [{ init: node.inputs[i]!, axis: shapeOf(g, node.inputs[i]).length - 1, role: 'bias' }] : []);

/** Conv: weight [out, in / group, kh, kw], bias [out]. Input channels are cut only when group is 1. */
export const convPruner: LayerPruner = {
  getOutChannels: (n, g) => shapeOf(g, n.inputs[1])[0]!,
  getInChannels: (n, g) => shapeOf(g, n.inputs[1])[1]! * attrInt(n, 'group', 1),
  pruneOutChannels: (n, g) => [{ init: n.inputs[1]!, axis: 0, role: 'weight' }, ...bias(n, g, 2)],
  pruneInChannels: (n) => (attrInt(n, 'group', 1) === 1 ? [{ init: n.inputs[1]!, axis: 1, role: 'weight' }] : []),
};

/** ConvTranspose (group 1): weight [in, out, kh, kw], bias [out]. */
export const convTransposePruner: LayerPruner = {
  getOutChannels: (n, g) => shapeOf(g, n.inputs[1])[1]! * attrInt(n, 'group', 1),
  getInChannels: (n, g) => shapeOf(g, n.inputs[1])[0]!,
  pruneOutChannels: (n, g) => [{ init: n.inputs[1]!, axis: 1, role: 'weight' }, ...bias(n, g, 2)],
  pruneInChannels: (n) => [{ init: n.inputs[1]!, axis: 0, role: 'weight' }],
};

const gemmOutAxis = (n: Node): number => (n.opType === 'Gemm' && attrInt(n, 'transB', 0) === 1 ? 0 : 1);

/** Gemm (transB 0 or 1) and MatMul with a 2-D initializer B: features in along one axis of B, out along the other. */
export const linearPruner: LayerPruner = {
  getOutChannels: (n, g) => shapeOf(g, n.inputs[1])[gemmOutAxis(n)]!,
  getInChannels: (n, g) => shapeOf(g, n.inputs[1])[1 - gemmOutAxis(n)]!,
  pruneOutChannels: (n, g) => {
    const out: Cut[] = [{ init: n.inputs[1]!, axis: gemmOutAxis(n), role: 'weight' }];
    // Gemm's C is cut only when it holds one value per output feature; a scalar C broadcasts and stays.
    const c = n.opType === 'Gemm' ? n.inputs[2] : undefined;
    if (c && isInit(g, c) && g.initializers.get(c)!.tensor.numel > 1) out.push(...bias(n, g, 2));
    return out;
  },
  pruneInChannels: (n) => [{ init: n.inputs[1]!, axis: 1 - gemmOutAxis(n), role: 'weight' }],
};

/** BatchNormalization: scale, bias, running mean and variance, one value per channel; in and out coincide. */
export const batchNormPruner: LayerPruner = {
  getOutChannels: (n, g) => shapeOf(g, n.inputs[1])[0]!,
  getInChannels: (n, g) => shapeOf(g, n.inputs[1])[0]!,
  pruneOutChannels: (n) => {
    const roles: Role[] = n.opType === 'BatchNormalization' ? ['bn-scale', 'bn-shift', 'bn-stat', 'bn-stat'] : ['bn-scale', 'bn-shift'];
    return roles.map((role, i) => ({ init: n.inputs[i + 1]!, axis: 0, role }));
  },
  pruneInChannels: (n, g) => batchNormPruner.pruneOutChannels(n, g),
};

/** The pruner for a layer with weights, by op type (InstanceNormalization slices like BatchNorm). */
export const PRUNERS: Readonly<Record<string, LayerPruner>> = {
  Conv: convPruner,
  ConvTranspose: convTransposePruner,
  Gemm: linearPruner,
  MatMul: linearPruner,
  BatchNormalization: batchNormPruner,
  InstanceNormalization: batchNormPruner,
};
