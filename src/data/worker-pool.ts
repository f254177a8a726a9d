import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Batch, BatchLoader } from './batch-loader.js';
import type { WorkerInit, WorkerRequest } from './batch-worker.js';
import { toSharedStore } from './shared-store.js';
import { queueEpoch } from './prefetch.js';

type Reply = { id: number; batch: Batch } | { id: number; error: string };

/**
 * Builds a loader's batches on worker threads, so normalising and augmenting run in parallel with the trainer.
 * Workers read the images from shared memory: open the dataset with `sharedMemory: true` to avoid one copy here.
 * Batches come out in the same order and with the same contents as the loader's own.
 */
export class WorkerPool {
  readonly size: number;
  readonly #loader: BatchLoader;
  readonly #workers: Worker[];
  readonly #pending = new Map<number, { resolve: (b: Batch) => void; reject: (e: Error) => void }>();
  #nextId = 0;
  #closed = false;

  constructor(loader: BatchLoader, workers = Math.max(1, Math.min(4, availableParallelism() - 1))) {
    this.#loader = loader;
    this.size = workers;
    const split = loader.split;
    const init: WorkerInit = {
      source: { split: { ...split, store: toSharedStore(split.store) }, mean: loader.mean, std: loader.std, defaultAugment: null, seed: loader.seed },
      options: { batchSize: loader.batchSize, shuffle: loader.shuffle, augment: loader.augment, dropLast: loader.dropLast, seed: loader.seed, labelType: loader.labelType },
    };
    this.#workers = Array.from({ length: workers }, () => {
      const w = new Worker(new URL('./batch-worker.js', import.meta.url), { workerData: init });
      w.on('message', (r: Reply) => this.#settle(r));
      w.on('error', (e) => this.#failAll(e));
      w.unref(); // idle workers never keep the process alive; see #setBusy
      return w;
    });
  }

  #settle(r: Reply): void {
    const p = this.#pending.get(r.id);
    if (!p) return;
    this.#pending.delete(r.id);
    if (this.#pending.size === 0) this.#setBusy(false);
    if ('error' in r) p.reject(new Error(r.error));
    else p.resolve(r.batch);
  }

  #failAll(e: Error): void {
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
    this.#setBusy(false);
  }

  // Workers hold the event loop open only while a batch is awaited.
  #setBusy(busy: boolean): void {
    for (const w of this.#workers) {
      if (busy) w.ref();
      else w.unref();
    }
  }

  /** Asks a worker for batch `index` of epoch `epoch`. */
  request(epoch: number, index: number): Promise<Batch> {
    if (this.#closed) return Promise.reject(new Error('worker pool is closed'));
    const id = this.#nextId++;
    const p = new Promise<Batch>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    if (this.#pending.size === 1) this.#setBusy(true);
    const req: WorkerRequest = { id, epoch, index };
    this.#workers[id % this.size]!.postMessage(req);
    return p;
  }

  /** The remaining batches of the loader's current epoch, `depth` in flight; moves the loader's position like prefetchEpoch. */
  epoch(depth = 2 * this.size): AsyncGenerator<Batch, void, undefined> {
    return queueEpoch(this.#loader, (epoch, index) => this.request(epoch, index), depth);
  }

  /** Stops the workers; batches still in flight are rejected. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(new Error('worker pool is closed'));
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
