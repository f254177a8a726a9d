import type { Batch, BatchLoader } from './batch-loader.js';

/** How many batches the prefetch queue builds ahead by default. */
export const DEFAULT_PREFETCH = 4;

function buildLater(loader: BatchLoader, epoch: number, index: number): Promise<Batch> {
  return new Promise((resolve, reject) => {
    // setImmediate runs in the event loop's check phase: batches are built while the trainer awaits the engine.
    setImmediate(() => {
      try {
        resolve(loader.batchAt(epoch, index));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

/**
 * The remaining batches of the loader's current epoch, built up to `depth` ahead in an async queue. The loader's
 * position moves only as batches are handed out, so state() taken in the loop body resumes right after that batch.
 */
export function prefetchEpoch(loader: BatchLoader, depth = DEFAULT_PREFETCH): AsyncGenerator<Batch, void, undefined> {
  return queueEpoch(loader, (epoch, index) => buildLater(loader, epoch, index), depth);
}

/**
 * The queue behind prefetchEpoch and WorkerPool.epoch: up to `depth` batches of the current epoch requested from
 * `build` ahead of the consumer, handed out in order, the loader's position moved as each is handed out.
 */
export async function* queueEpoch(loader: BatchLoader, build: (epoch: number, index: number) => Promise<Batch>, depth: number): AsyncGenerator<Batch, void, undefined> {
  const epoch = loader.epochIndex;
  const end = loader.batchesPerEpoch;
  let nextToBuild = loader.batchIndex;
  const queue: Promise<Batch>[] = [];
  const fill = (): void => {
    while (queue.length < Math.max(1, depth) && nextToBuild < end) {
      const p = build(epoch, nextToBuild++);
      p.catch(() => undefined); // surfaced when awaited below; never unhandled if the consumer stops early
      queue.push(p);
    }
  };
  fill();
  if (end === 0) loader.seek(epoch + 1, 0);
  for (let i = loader.batchIndex; i < end; i++) {
    const b = await queue.shift()!;
    fill();
    loader.seek(epoch, i + 1);
    yield b;
  }
}
