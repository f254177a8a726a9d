import type { Graph } from '../graph/index.js';
import type { Cut } from './layer-pruners.js';
import { FROZEN } from './index-mapping.js';
import type { Group, GroupKind } from './group.js';
import type { ChannelNorm } from './channel-norm.js';

/** A node left as it is, and why (it mixes channels, is unknown, is ignored, makes the network output...). */
export type Untouched = { node: string; reason: string };

/** A Cut tied to the channel map (an index into DependencyGraph.maps) that its axis follows. */
export type CutRule = Cut & { node: string; map: number; side: 'out' | 'in' };

/** Node edits that surgery makes besides slicing tensors. */
export type Rewrite =
  | { kind: 'group'; node: string; map: number; perGroup: number }
  | { kind: 'split'; node: string; maps: number[] }
  | { kind: 'slice'; node: string; map: number; at: number; start: number; end: number }
  | { kind: 'reshape'; node: string; map: number; at?: number }
  /** A GRU/LSTM/RNN's hidden_size attribute follows its hidden units. */
  | { kind: 'hidden-size'; node: string; map: number }
  /** An optional input (a recurrent layer's zero initial state) is dropped: its default has the kept width. */
  | { kind: 'drop-input'; node: string; map: number; index: number }
  /** Entry `at` of the int64 initializer input `input` of `node` becomes `orig / len(map) * kept(map)`. */
  | { kind: 'entry'; node: string; input: number; at: number; map: number };

/**
 * A layer whose output channels are new atoms (Conv, ConvTranspose, Gemm, MatMul, GRU/LSTM/RNN): the roots of groups.
 * `value` holds the channels (on the value's channel axis); its batch is on `batchAxis` (0 unless, as in a recurrent
 * layer's Y [T, directions, N, H], the time axis comes first; -1 where one axis folds the batch with the tokens).
 */
export type Source = { node: string; value: string; base: number; size: number; kind: GroupKind; batchAxis: number };

export type { ChannelNorm } from './channel-norm.js';

/** MACs of one node as `macs * prod(kept(map) / len(map))` over its maps. */
export type MacTerm = { node: string; macs: number; maps: number[] };

/**
 * The channel dependencies of a graph (Torch-Pruning's DependencyGraph). Every value with a channel axis gets a
 * channel map: one atom per position (see index-mapping.ts). The channel axis is 1 unless a Transpose moved it
 * (`valueAxis`, e.g. NHWC between ConvNeXt's permutes, where MatMul acts on the last axis). Layers with weights make new atoms; pass-through
 * ops share their input's map; Add/Mul/Concat/Split/Flatten/depthwise convs relate maps. Atoms that must be removed
 * together are merged (union-find); a merged set is a *unit*, and the sources sharing units form a *Group*.
 * Anything not provably safe is frozen (merged with the FROZEN atom) and listed in `untouched` with a reason.
 *
 * Example: Conv a → BN → Relu → Add(·, Conv b) gives one group {a, b}: unit i is channel i of a, of the BN and of b,
 * with cuts a.weight[i, ...], bn.*[i], b.weight[i, ...] and the consumers' input slices.
 */
export class DependencyGraph {
  readonly maps: Int32Array[] = [];
  readonly valueMaps = new Map<string, number>();
  /** The channel axis of a value whose map is on an axis other than 1. */
  readonly valueAxis = new Map<string, number>();
  /** Normalisations over the channel axis (LayerNorm): removing channels changes their statistics (channel-norm.ts). */
  readonly norms: ChannelNorm[] = [];
  readonly sources: Source[] = [];
  readonly cuts: CutRule[] = [];
  readonly rewrites: Rewrite[] = [];
  readonly macTerms: MacTerm[] = [];
  readonly untouched: Untouched[] = [];
  /** Channel maps whose units are of a known kind (attention Q maps, embedding tables, the stream attention reads). */
  readonly kindHints: { map: number; kind: GroupKind; unitSize: number }[] = [];
  /** Union-find parents over atoms; atom 0 is FROZEN and always its own root. */
  readonly parent: number[] = [FROZEN];
  /** Unit of each atom (-1 when frozen), and the groups, set by finalize(). */
  unitOf = new Int32Array(0);
  unitCount = 0;
  groups: Group[] = [];
  /** Multi-head attentions recognised (pruned by heads or by dims). */
  attentionCount = 0;
  /** Total MACs counted at the graph's input shape (thop convention). */
  macsTotal = 0;

  constructor(readonly graph: Graph) {}

  find(a: number): number {
    const p = this.parent;
    while (p[a] !== a) a = p[a] = p[p[a]!]!;
    return a;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // FROZEN stays the root of its set, so `find(x) === FROZEN` tells a frozen atom.
    if (rb === FROZEN) this.parent[ra] = rb;
    else this.parent[rb] = ra;
  }

  /** The axis that holds a value's channels (1 unless a Transpose moved it). */
  axisOf(v: string): number {
    return this.valueAxis.get(v) ?? 1;
  }

  /** True when the atom can be removed at all. */
  prunable(atom: number): boolean {
    return this.find(atom) !== FROZEN;
  }
}
