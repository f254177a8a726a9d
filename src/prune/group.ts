/**
 * A set of layers whose channels are removed together, as units (Torch-Pruning's Group). Unit u of a group is one
 * channel position in every member: removing it cuts the same index from each coupled layer.
 *
 * Example: `Conv(2→4) → BN(4) → Relu → Conv(4→8)` gives one group named after the first conv, 4 units, members
 * [conv1 (out-channels), bn (all four vectors), conv2 (in-channels)]; removing unit 1 cuts conv1.weight[1],
 * bn.*[1] and conv2.weight[:, 1].
 */
/**
 * What a group's units are: output channels of convs (`channels`), whole attention heads (`heads`, a unit is D
 * channels of each of Q, K and V), one dimension inside every head (`head-dims`, a unit is H channels), hidden units
 * of an MLP (`mlp`), channels of a transformer's residual stream (`embedding`), recurrent hidden units (`hidden`).
 */
export type GroupKind = 'channels' | 'heads' | 'head-dims' | 'mlp' | 'embedding' | 'hidden';

export interface Group {
  readonly index: number;
  /** What its units are (a GRU/LSTM/RNN's hidden units: 'hidden'; a head group's: whole heads; a conv's output channels: 'channels'). */
  readonly kind: GroupKind;
  /** The first source layer (Conv/Gemm/MatMul whose output channels the group removes). */
  readonly name: string;
  /** Source layers whose output channels are coupled in this group. */
  readonly sources: readonly string[];
  /** Every node a removal touches: sources, norms (LayerNorm statistics too), consumers, per-channel constants, Split/Slice/Reshape. */
  readonly members: readonly string[];
  /** Prunable units (ids into the DependencyGraph's unit numbering). */
  readonly units: readonly number[];
  /** Channels of the group that may never be removed (counted in `kept` and `total`). */
  readonly frozen: number;
  /** Channels of one unit in each coupled projection: D for `heads`, H for `head-dims`, else 1. */
  readonly unitSize: number;
}

/** A group's channels: its prunable units plus the ones that may never be removed. */
export function groupWidth(g: Group): number {
  return g.units.length + g.frozen;
}

/**
 * A group's size as inspect prints it: its units, then the channels of one unit where that is more than one
 * (`[4, 16]`: 4 heads of 16 dims; `[16, 4]`: 16 dims in each of 4 heads).
 */
export function groupWidths(g: Pick<Group, 'unitSize'> & { width: number }): number[] {
  return g.unitSize > 1 ? [g.width, g.unitSize] : [g.width];
}

/** A group's width as inspect prints it: the kind, then its widths (`channels 32`, `hidden 64`, `heads 4 x 16`, `head-dims 16 x 4`). */
export function formatWidth(kind: GroupKind, widths: readonly number[]): string {
  return `${kind} ${widths.join(' x ')}`;
}
