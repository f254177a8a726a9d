import { indexSelect, noGrad, tensor, tidy, keep, cat, type Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { BatchLoader, prefetchEpoch, type Dataset } from '../data/index.js';
import { batchOnDevice, forward } from '../distill/index.js';

/**
 * The teacher's logits for every training image, computed once in eval mode on un-augmented inputs: with no random
 * augmentation they are the same every epoch of every step, so each batch just looks its rows up.
 */
export class TeacherCache {
  readonly #logits: Tensor;

  private constructor(logits: Tensor) {
    this.#logits = keep(logits);
  }

  static async build(teacher: Graph, ds: Dataset, device: string, batchSize = 256): Promise<TeacherCache> {
    const parts: Tensor[] = [];
    for await (const b of prefetchEpoch(BatchLoader.of(ds, 'train', { batchSize, shuffle: false, augment: null }))) {
      parts.push(noGrad(() => tidy(() => keep(forward(teacher, batchOnDevice(b, device).x, false)))));
    }
    const all = tidy(() => cat(parts));
    for (const p of parts) p.dispose();
    return new TeacherCache(all);
  }

  /** The cached logits of these training-split positions. */
  lookup(rows: Uint32Array): Tensor {
    return tidy(() => indexSelect(this.#logits, 0, tensor(Int32Array.from(rows), [rows.length], 'int32')));
  }

  dispose(): void {
    this.#logits.dispose();
  }
}
