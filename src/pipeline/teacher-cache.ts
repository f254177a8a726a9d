import { allReduce, cast, getPrecision, indexSelect, noGrad, tensor, tidy, keep, cat, callAten, zeros, type Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { BatchLoader, prefetchEpoch, type Dataset } from '../data/index.js';
import { batchOnDevice, logitsOverViews, type DataParallel, type Views } from '../distill/index.js';

/**
 * The teacher's logits for every training image, computed once in eval mode on un-augmented inputs: with no random
 * augmentation they are the same every epoch of every step, so each batch just looks its rows up. Training in bf16,
 * the teacher runs in bf16 and the table is kept in bf16 (half the memory; the logits come out of a bf16 matmul).
 */
export class TeacherCache {
  readonly #logits: Tensor;

  private constructor(logits: Tensor) {
    this.#logits = keep(logits);
  }

  /**
   * Runs the teacher over the training split (with views 'flip', the mean of its logits on each image and its mirror
   * image). In a data-parallel run the batches are dealt out to the ranks in turn (whole batches, as one process
   * builds them, so every row's logits have the same float rounding) and one allreduce assembles the whole table on
   * every rank (each row is written by exactly one rank). `onBatch` hears of each batch done (for a progress display).
   */
  static async build(teacher: Graph, ds: Dataset, o: { device: string; views: Views; batchSize?: number; parallel?: DataParallel | undefined; onBatch?: (done: number, of: number) => void }): Promise<TeacherCache> {
    const parallel = o.parallel;
    const loader = BatchLoader.of(ds, 'train', { batchSize: o.batchSize ?? 256, shuffle: false, augment: null });
    const parts: Tensor[] = [];
    const rows: Uint32Array[] = [];
    let index = 0;
    for await (const b of prefetchEpoch(loader)) {
      if (!parallel || index % parallel.worldSize === parallel.rank) {
        rows.push(loader.rowsAt(0, index));
        parts.push(noGrad(() => tidy(() => keep(logitsOverViews(teacher, batchOnDevice(b, o.device).x, o.views)))));
      }
      o.onBatch?.(++index, loader.batchesPerEpoch);
    }
    const all = tidy(() => {
      const table = parallel ? assemble(parts, rows, ds.train.indices.length, parallel) : cat(parts);
      return getPrecision() === 'bf16' ? cast(table, 'bfloat16') : table;
    });
    for (const p of parts) p.dispose();
    return new TeacherCache(all);
  }

  /** The cached logits of these training-split positions (float32, for the loss). */
  lookup(rows: Uint32Array): Tensor {
    return tidy(() => {
      const t = indexSelect(this.#logits, 0, tensor(Int32Array.from(rows), [rows.length], 'int32'));
      return t.dtype === 'float32' ? t : cast(t, 'float32');
    });
  }

  dispose(): void {
    this.#logits.dispose();
  }
}

/** The full [rows, classes] table from each rank's rows: zeros elsewhere, then summed across ranks. */
function assemble(parts: Tensor[], rows: Uint32Array[], total: number, parallel: DataParallel): Tensor {
  const local = parts.length ? cat(parts) : null;
  // every rank needs the class count, also one that was dealt no batch
  const [classSum, ranksWithRows] = parallel.sum([local ? local.shape[1]! : 0, local ? 1 : 0]);
  const full = zeros([total, classSum! / ranksWithRows!]);
  if (local) {
    const at = BigInt64Array.from(rows.flatMap((r) => [...r]), (v) => BigInt(v));
    callAten('index_copy_', '', full, 0, tensor(at, [at.length], 'int64'), local);
  }
  allReduce([full], 'sum');
  return full;
}
