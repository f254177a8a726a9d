// Worker-thread side of WorkerPool: builds batches from a shared store and transfers them back without copying.
import { parentPort, workerData } from 'node:worker_threads';
import { BatchLoader, type LoaderOptions, type LoaderSource } from './batch-loader.js';

/** What the pool sends each worker at start. */
export interface WorkerInit {
  readonly source: LoaderSource;
  readonly options: LoaderOptions;
}

/** A request for one batch, and the worker's answer. */
export interface WorkerRequest {
  readonly id: number;
  readonly epoch: number;
  readonly index: number;
}

const init = workerData as WorkerInit;
const loader = new BatchLoader(init.source, init.options);
parentPort!.on('message', (r: WorkerRequest) => {
  try {
    const b = loader.batchAt(r.epoch, r.index);
    const buffers = [b.x, b.y, ...(b.inputs ?? []).map((t) => t.data), ...(b.target ? [b.target.data] : [])].map((a) => a.buffer as ArrayBuffer);
    parentPort!.postMessage({ id: r.id, batch: b }, buffers);
  } catch (e) {
    parentPort!.postMessage({ id: r.id, error: (e as Error).message });
  }
});
