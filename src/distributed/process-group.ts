import {
  allReduce, broadcast, detach, initProcessGroup, mulInto, noGrad, shutdownProcessGroup, tensor, tidy, zerosLike, type Tensor,
} from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import type { DataParallel } from '../distill/index.js';
import { DistError } from '../errors.js';
import type { DistConfig } from './config.js';
import { graphDigest } from './graph-digest.js';

/** Gradient bucket size: the size PyTorch's DistributedDataParallel uses by default. */
export const BUCKET_BYTES = 25 << 20;

/**
 * This process's membership of a c10d process group, as the trainer's DataParallel: made by joinProcessGroup, left
 * by close(). Every method is a collective that every rank must call in the same order.
 */
export class ProcessGroup implements DataParallel {
  #open = true;

  private constructor(readonly rank: number, readonly worldSize: number, readonly config: DistConfig) {}

  /** Joins the group described by the config: blocks until every rank has arrived or the timeout passes. */
  static join(c: DistConfig): ProcessGroup {
    try {
      initProcessGroup({ rank: c.rank, worldSize: c.worldSize, host: c.masterAddr, port: c.masterPort, timeoutMs: c.timeoutMs, backend: c.backend, ...(c.iface ? { iface: c.iface } : {}) });
    } catch (e) {
      const why = (e as Error).message;
      throw new DistError(
        `rendezvous: rank ${c.rank} of ${c.worldSize} could not join the group at ${c.masterAddr}:${c.masterPort} (timeout ${c.timeoutMs / 1000} s): ${why.replace(/^rendezvous: /, '')}`,
        c.rank === 0 ? 'check that every rank was started, with the same --world-size and --master' : 'check --master (the address and port of rank 0) and that rank 0 is running',
        e,
      );
    }
    return new ProcessGroup(c.rank, c.worldSize, c);
  }

  /** Rank 0: the one that writes files and speaks for the run. */
  get isMain(): boolean {
    return this.rank === 0;
  }

  syncModel(g: Graph): void {
    const [hi, negLo] = this.#reduce([graphDigest(g), -graphDigest(g)], 'max');
    if (hi !== -negLo!) {
      throw new DistError(`data parallel: the ranks hold different graphs (structure digests differ); pruning must be deterministic on every rank`);
    }
    const all = [...g.initializers.values()].filter((i) => i.kind !== 'constant').map((i) => i.tensor);
    noGrad(() => broadcast(all, 0));
  }

  syncBuffers(g: Graph): void {
    const buffers = g.tensorsOf('buffer').map(([, t]) => t);
    if (buffers.length) noGrad(() => broadcast(buffers, 0));
  }

  syncGrads(params: readonly Tensor[], weight: number, extras: readonly number[]): number[] {
    return noGrad(() => tidy(() => {
      const grads = params.map((p) => {
        let g = p.grad;
        if (!g) {
          p.grad = zerosLike(detach(p));
          g = p.grad!;
        }
        if (weight !== 1) mulInto(g, weight);
        return g;
      });
      const ex = tensor(Float64Array.from(extras), [extras.length], 'float64');
      allReduce([...grads, ex], 'sum', BUCKET_BYTES);
      return ex.toArray();
    }));
  }

  sumTensors(tensors: readonly Tensor[]): void {
    if (tensors.length) noGrad(() => allReduce(tensors, 'sum'));
  }

  sum(values: readonly number[]): number[] {
    return this.#reduce(values, 'sum');
  }

  #reduce(values: readonly number[], op: 'sum' | 'max'): number[] {
    return tidy(() => {
      const t = tensor(Float64Array.from(values), [values.length], 'float64');
      allReduce([t], op);
      return t.toArray();
    });
  }

  /** Leaves the group; safe to call twice. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    shutdownProcessGroup();
  }
}
