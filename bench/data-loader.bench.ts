// Loader throughput: batches/s and images/s of BatchLoader (sync) and prefetchEpoch (async queue), for MNIST and
// for a 32x32 RGB folder dataset made here with sharp. Run: npx tsc -p . && node dist/bench/data-loader.bench.js
// Prints one JSON line. Options: --batch N (default 128), --epochs N (default 3), --images-per-class N (default 500),
// --workers N (WorkerPool threads, default min(4, cores - 1) but at least 2).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BatchLoader, openDataset, prefetchEpoch, WorkerPool, type AugmentOptions, type Dataset } from '../src/data/index.js';

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

interface Result {
  batches: number;
  images: number;
  seconds: number;
  batchesPerSec: number;
  imagesPerSec: number;
}

function result(batches: number, images: number, seconds: number): Result {
  return { batches, images, seconds: +seconds.toFixed(3), batchesPerSec: +(batches / seconds).toFixed(1), imagesPerSec: Math.round(images / seconds) };
}

function timeSync(ds: Dataset, batch: number, epochs: number, augment: AugmentOptions | null): Result {
  const l = BatchLoader.of(ds, 'train', { batchSize: batch, augment });
  let batches = 0;
  let images = 0;
  for (const b of l.epoch()) void b; // warm-up epoch, not timed
  const t0 = performance.now();
  for (let e = 0; e < epochs; e++) for (const b of l.epoch()) (batches++, (images += b.n));
  return result(batches, images, (performance.now() - t0) / 1000);
}

async function timeAsync(ds: Dataset, batch: number, epochs: number, augment: AugmentOptions | null): Promise<Result> {
  const l = BatchLoader.of(ds, 'train', { batchSize: batch, augment });
  let batches = 0;
  let images = 0;
  const t0 = performance.now();
  for (let e = 0; e < epochs; e++) for await (const b of prefetchEpoch(l)) (batches++, (images += b.n));
  return result(batches, images, (performance.now() - t0) / 1000);
}

async function timePool(ds: Dataset, batch: number, epochs: number, augment: AugmentOptions | null, workers: number): Promise<Result & { workers: number }> {
  const l = BatchLoader.of(ds, 'train', { batchSize: batch, augment });
  const pool = new WorkerPool(l, workers);
  let batches = 0;
  let images = 0;
  try {
    for await (const b of pool.epoch()) void b; // warm-up epoch (worker start), not timed
    const t0 = performance.now();
    for (let e = 0; e < epochs; e++) for await (const b of pool.epoch()) (batches++, (images += b.n));
    return { ...result(batches, images, (performance.now() - t0) / 1000), workers };
  } finally {
    await pool.close();
  }
}

async function makeFolder(root: string, classes: number, per: number): Promise<void> {
  for (let c = 0; c < classes; c++) {
    const dir = join(root, `class${c}`);
    mkdirSync(dir, { recursive: true });
    const jobs: Promise<unknown>[] = [];
    for (let k = 0; k < per; k++) {
      const raw = Buffer.alloc(32 * 32 * 3);
      for (let p = 0; p < raw.length; p++) raw[p] = (c * 25 + k * 7 + p * 13) % 256;
      jobs.push(sharp(raw, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(join(dir, `${k}.png`)));
    }
    await Promise.all(jobs);
  }
}

const batch = flag('batch', 128);
const epochs = flag('epochs', 3);
const perClass = flag('images-per-class', 500);
const workers = flag('workers', Math.max(2, Math.min(4, cpus().length - 1)));

let t = performance.now();
const mnist = await openDataset('mnist', { sharedMemory: true });
const mnistOpen = (performance.now() - t) / 1000;

const root = mkdtempSync(join(tmpdir(), 'whittle-bench-'));
try {
  await makeFolder(root, 10, perClass);
  t = performance.now();
  const folder = await openDataset(`folder:${root}`, { imageSize: 32, valSize: 0, sharedMemory: true });
  const folderOpen = (performance.now() - t) / 1000;
  const out = {
    bench: 'data-loader',
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    batch,
    mnist: {
      openSeconds: +mnistOpen.toFixed(3),
      trainImages: mnist.train.indices.length,
      sync: timeSync(mnist, batch, epochs, null),
      prefetch: await timeAsync(mnist, batch, epochs, null),
      syncAugmented: timeSync(mnist, batch, epochs, { pad: 2, flip: true }),
      workerPool: await timePool(mnist, batch, epochs, null, workers),
    },
    folder32rgb: {
      openSeconds: +folderOpen.toFixed(3),
      decodedImagesPerSec: Math.round((folder.train.store.count + folder.test.store.count) / folderOpen),
      trainImages: folder.train.indices.length,
      // Many more epochs, so the timed work is comparable to MNIST's.
      sync: timeSync(folder, batch, epochs * 10, null),
      syncAugmented: timeSync(folder, batch, epochs * 10, folder.defaultAugment),
      prefetchAugmented: await timeAsync(folder, batch, epochs * 10, folder.defaultAugment),
      workerPoolAugmented: await timePool(folder, batch, epochs * 10, folder.defaultAugment, workers),
    },
  };
  console.log(JSON.stringify(out));
} finally {
  rmSync(root, { recursive: true, force: true });
}
