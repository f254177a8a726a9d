import { DistError } from '../errors.js';
import type { NativeDistInit } from '../native/index.js';
import { engine } from './engine.js';
import type { Tensor } from './tensor.js';

/** How to join a process group: rank 0 hosts c10d's TCPStore at host:port, every rank connects to it. */
export type ProcessGroupOptions = NativeDistInit;

export type ReduceOp = 'sum' | 'avg' | 'max' | 'min';

function dist<T>(op: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'E_ARG') throw new DistError(`${op}: ${err.message}`, undefined, e);
    throw new DistError(`${op}: ${err.message.split('\n')[0]}`, 'a peer process died, was stopped or never arrived within the timeout; restart every rank (with --resume to continue)', e);
  }
}

/** The c10d backends this addon was built with ([] when libtorch had no c10d/Gloo headers at build time). */
export const distributedBackends = (): string[] => engine().distBackends.split(',').filter((b) => b !== '');

/** Joins the process group; blocks until every rank has arrived, or throws DistError after timeoutMs. */
export const initProcessGroup = (o: ProcessGroupOptions): void => dist('rendezvous', () => engine().distInit(o));

/** Reduces the tensors in place across all ranks; all in flight at once in flat buckets of one dtype. */
export function allReduce(tensors: readonly Tensor[], op: ReduceOp = 'sum', bucketBytes = 25 << 20): void {
  dist('allreduce', () => engine().distAllReduce(tensors.map((t) => t.handle), op, bucketBytes));
}

/** Overwrites the tensors in place with those of rank `root` (shapes must match on every rank). */
export function broadcast(tensors: readonly Tensor[], root = 0): void {
  dist('broadcast', () => engine().distBroadcast(tensors.map((t) => t.handle), root));
}

/** Returns once every rank has reached it. */
export const barrier = (): void => dist('barrier', () => engine().distBarrier());

/** Leaves the process group (joins the backend's threads); a no-op outside one. */
export const shutdownProcessGroup = (): void => dist('shutdown', () => engine().distShutdown());

/** This process's place in the group, or null outside one. */
export const processGroupInfo = (): { rank: number; worldSize: number; backend: string } | null => engine().distInfo();
