import type { Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';

/**
 * What the trainer needs from a data-parallel process group (src/distributed implements it on c10d). Every rank
 * calls every method in the same order; each is a collective.
 */
export interface DataParallel {
  readonly rank: number;
  readonly worldSize: number;
  /** Checks that every rank holds the same graph structure, then gives every rank rank 0's params and buffers. */
  syncModel(g: Graph): void;
  /** Gives every rank rank 0's buffers (BatchNorm running statistics); a no-op for a graph without buffers. */
  syncBuffers(g: Graph): void;
  /**
   * Sums `weight` times each rank's gradients into every rank's gradients (a missing gradient counts as zeros), in
   * the same collective as the sum of `extras` across ranks, which it returns.
   */
  syncGrads(params: readonly Tensor[], weight: number, extras: readonly number[]): number[];
  /** Replaces each tensor with its element-wise sum across ranks, in place (e.g. BatchNorm's batch statistics). */
  sumTensors(tensors: readonly Tensor[]): void;
  /** The element-wise sum of `values` across ranks. */
  sum(values: readonly number[]): number[];
}
