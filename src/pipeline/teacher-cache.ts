import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { allReduce, cast, getPrecision, indexSelect, noGrad, tensor, tidy, keep, cat, callAten, toDevice, zeros, type Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { logitsValue } from '../exec/index.js';
import { BatchLoader, prefetchEpoch, type Dataset } from '../data/index.js';
import { batchOnDevice, headValuesOverViews, type DataParallel, type Views } from '../distill/index.js';
import { TASKS, type Head } from '../task/index.js';

/** The file the rows beyond the memory budget go to, in the run folder (removed when the cache is disposed). */
export const CACHE_FILE = 'teacher-cache.bin';

export type TeacherCacheOptions = {
  device: string;
  views: Views;
  /** The outputs to cache; default the logits of a classifier's one output. */
  heads?: readonly Head[];
  batchSize?: number;
  parallel?: DataParallel | undefined;
  /** Bytes of targets held in memory; the rows beyond go to `spillDir`/teacher-cache.bin. Default: no limit. */
  memoryBytes?: number;
  /** The folder of the spill file (the run folder). */
  spillDir?: string;
  onBatch?: (done: number, of: number) => void;
};

/**
 * The teacher's targets (each head's value: logits, maps, vectors) for every training image, computed once in eval
 * mode on un-augmented inputs: with no random augmentation they are the same every epoch of every step, so each batch
 * just looks its rows up. Training in bf16, logits and maps are kept in bf16 (half the memory; they come out of bf16
 * matmuls). The first rows up to a memory budget are held in memory, the rest in a file in the run folder, read back
 * row by row at positioned offsets (the page cache keeps the hot part), so per-pixel outputs of a large set do not
 * exhaust RAM.
 */
export class TeacherCache {
  readonly #tables: Tensor[];
  readonly #spill: Spill | null;
  readonly #device: string;

  private constructor(tables: Tensor[], spill: Spill | null, device: string) {
    this.#tables = tables.map((t) => keep(t));
    this.#spill = spill;
    this.#device = device;
  }

  /**
   * Runs the teacher over the training split (with views 'flip', the mean of its values on each image and its mirror
   * image). In a data-parallel run that fits the budget the batches are dealt out to the ranks in turn (whole
   * batches, as one process builds them, so every row has the same float rounding) and one allreduce assembles the
   * whole table on every rank (each row is written by exactly one rank); one that does not fit has every rank build
   * its own table and file. `onBatch` hears of each batch done (for a progress display).
   */
  static async build(teacher: Graph, ds: Dataset, o: TeacherCacheOptions): Promise<TeacherCache> {
    const total = ds.train.indices.length;
    const heads = o.heads ?? [classifierHead(teacher)];
    const known = heads.every((h) => h.shape.slice(1).every((d) => typeof d === 'number'));
    const elementsOf = (shapes: readonly (readonly (number | string)[])[]): number[] => shapes.map((s) => s.slice(1).reduce<number>((a, d) => a * Number(d), 1));
    const rowsIn = (elements: readonly number[]): number => (o.memoryBytes === undefined ? total : Math.min(total, Math.floor(o.memoryBytes / Math.max(1, elements.reduce((a, n) => a + 4 * n, 0)))));
    // whether it fits is known before the first batch from the heads' shapes, else from the first batch's values
    let inMemory = known ? rowsIn(elementsOf(heads.map((h) => h.shape as number[]))) : total;
    const parallel = inMemory < total ? undefined : o.parallel;
    let spill: Spill | null = null;
    const loader = BatchLoader.of(ds, 'train', { batchSize: o.batchSize ?? 256, shuffle: false, augment: null });
    const parts: Tensor[][] = heads.map(() => []);
    const rows: Uint32Array[] = [];
    let index = 0;
    try {
      for await (const b of prefetchEpoch(loader)) {
        if (!parallel || index % parallel.worldSize === parallel.rank) {
          const at = loader.rowsAt(0, index);
          const values = noGrad(() => tidy(() => headValuesOverViews(teacher, batchOnDevice(b, o.device).x, heads, o.views).map((t) => keep(t))));
          if (index === 0 && !parallel) {
            const elements = elementsOf(values.map((v) => v.shape));
            inMemory = rowsIn(elements);
            if (inMemory < total) spill = Spill.create(join(o.spillDir ?? '.', CACHE_FILE), values.map((v) => v.shape.slice(1)), inMemory);
          }
          // rows are the split's positions in order (no shuffle): the first `inMemory` stay, the rest are written out
          const keepN = Math.max(0, Math.min(at.length, inMemory - at[0]!));
          if (keepN < at.length) spill!.write(at[keepN]!, values.map((v) => tidy(() => callAten('narrow', '', v, 0, keepN, at.length - keepN))));
          values.forEach((v, h) => {
            if (keepN > 0) parts[h]!.push(keepN === at.length ? v : tidy(() => keep(callAten('narrow', '', v, 0, 0, keepN))));
            if (keepN < at.length) v.dispose();
          });
          rows.push(at.subarray(0, keepN));
        }
        // counted apart from the optional callback (`o.onBatch?.(++index)` skips the ++ without one)
        index++;
        o.onBatch?.(index, loader.batchesPerEpoch);
      }
    } catch (e) {
      spill?.dispose();
      throw e;
    }
    const tables = heads.map((h, i) => tidy(() => {
      const p = parts[i]!;
      const table = parallel ? assemble(p, rows, total, parallel) : p.length ? cat(p) : zeros([0]);
      return getPrecision() === 'bf16' && TASKS[h.task].cacheInBf16 ? cast(table, 'bfloat16') : table;
    }));
    for (const p of parts.flat()) p.dispose();
    return new TeacherCache(tables, spill, o.device);
  }

  /** Whether rows went to the file in the run folder (the set outgrew the memory budget). */
  get spilled(): boolean {
    return this.#spill !== null;
  }

  /** The cached values of the first head at these training-split positions (a classifier's logits; float32). */
  lookup(rows: Uint32Array): Tensor {
    const [first, ...rest] = this.lookupAll(rows);
    for (const t of rest) t.dispose();
    return first!;
  }

  /** The cached values of these training-split positions, one tensor per head (float32, for the loss). */
  lookupAll(rows: Uint32Array): Tensor[] {
    const spill = this.#spill;
    return tidy(() => {
      const f32 = (t: Tensor): Tensor => (t.dtype === 'float32' ? t : cast(t, 'float32'));
      if (!spill || rows.every((r) => r < spill.first)) return this.#tables.map((t) => f32(indexSelect(t, 0, tensor(Int32Array.from(rows), [rows.length], 'int32'))));
      const memory = rows.filter((r) => r < spill.first);
      const file = [...rows.filter((r) => r >= spill.first)];
      // the batch's order: memory rows first, then file rows, put back in place by the inverse permutation
      const order = new Int32Array(rows.length);
      let m = 0;
      let f = memory.length;
      rows.forEach((r, i) => (order[i] = r < spill.first ? m++ : f++));
      const fromFile = spill.read(file).map((t) => (this.#device === 'cpu' ? t : toDevice(t, this.#device)));
      return this.#tables.map((t, h) => {
        const both = memory.length ? cat([f32(indexSelect(t, 0, tensor(Int32Array.from(memory), [memory.length], 'int32'))), fromFile[h]!]) : fromFile[h]!;
        return indexSelect(both, 0, tensor(order, [order.length], 'int32'));
      });
    });
  }

  dispose(): void {
    for (const t of this.#tables) t.dispose();
    this.#spill?.dispose();
  }
}

/** A classifier's one head: its logits (the value before a final Softmax), as the cache held them before tasks. */
function classifierHead(g: Graph): Head {
  const out = g.outputs[0]!;
  return { output: out.name, value: logitsValue(g), activation: null, shape: out.shape ?? ['N', 'K'], task: 'classify', loss: 'kl', labelled: true };
}

/**
 * Rows from `first` on, each head's float32 values one after the other, at (row − first) · rowBytes in a file; a
 * head's row keeps its shape (a map's [K, H, W]) when read back.
 */
class Spill {
  readonly #rowBytes: number;
  readonly rowElements: readonly number[];
  private constructor(readonly path: string, readonly fd: number, readonly rowShapes: readonly (readonly number[])[], readonly first: number) {
    this.rowElements = rowShapes.map((s) => s.reduce((a, d) => a * d, 1));
    this.#rowBytes = this.rowElements.reduce((a, n) => a + 4 * n, 0);
  }

  static create(path: string, rowShapes: readonly (readonly number[])[], first: number): Spill {
    return new Spill(path, openSync(path, 'w+'), rowShapes, first);
  }

  /** Writes consecutive rows from `row` on: one [n, ...] tensor per head. */
  write(row: number, values: readonly Tensor[]): void {
    const n = values[0]!.shape[0]!;
    const perHead = values.map((v) => Float32Array.from(tidy(() => cast(toDevice(v, 'cpu'), 'float32')).data() as Float32Array));
    for (const v of values) v.dispose();
    const buf = Buffer.alloc(n * this.#rowBytes);
    for (let r = 0; r < n; r++) {
      let at = r * this.#rowBytes;
      perHead.forEach((d, h) => {
        const k = this.rowElements[h]!;
        Buffer.from(d.buffer, d.byteOffset + r * k * 4, k * 4).copy(buf, at);
        at += k * 4;
      });
    }
    writeSync(this.fd, buf, 0, buf.length, (row - this.first) * this.#rowBytes);
  }

  /** These rows' values, one [rows, ...row shape] float32 tensor per head (on the CPU), in the order given. */
  read(rows: readonly number[]): Tensor[] {
    const buf = Buffer.alloc(this.#rowBytes);
    const heads = this.rowElements.map((k) => new Float32Array(rows.length * k));
    rows.forEach((row, i) => {
      readSync(this.fd, buf, 0, this.#rowBytes, (row - this.first) * this.#rowBytes);
      let at = 0;
      heads.forEach((d, h) => {
        const k = this.rowElements[h]!;
        d.set(new Float32Array(buf.buffer, buf.byteOffset + at, k), i * k);
        at += k * 4;
      });
    });
    return heads.map((d, h) => tensor(d, [rows.length, ...this.rowShapes[h]!]));
  }

  dispose(): void {
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }
}

/** The full [rows, ...] table from each rank's rows: zeros elsewhere, then summed across ranks. */
function assemble(parts: Tensor[], rows: Uint32Array[], total: number, parallel: DataParallel): Tensor {
  const local = parts.length ? cat(parts) : null;
  // every rank needs the row's shape, also one that was dealt no batch
  const [elements, ranksWithRows] = parallel.sum([local ? local.numel / local.shape[0]! : 0, local ? 1 : 0]);
  const shape = local ? local.shape.slice(1) : [elements! / ranksWithRows!];
  const full = zeros([total, ...shape]);
  if (local) {
    const at = BigInt64Array.from(rows.flatMap((r) => [...r]), (v) => BigInt(v));
    callAten('index_copy_', '', full, 0, tensor(at, [at.length], 'int64'), local);
  }
  allReduce([full], 'sum');
  return full;
}
