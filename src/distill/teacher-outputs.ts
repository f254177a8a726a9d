import { keep, type Tensor } from '../tensor/index.js';

/**
 * The teacher's values of the heads on an evaluation split, batch by batch, kept the first time they are computed:
 * measuring a student at every step then runs the teacher over the split once per run. The teacher, its views and
 * the batches must be the same at every measure (one TeacherOutputs per split). Batches beyond the memory budget,
 * shared by the splits of a run, are computed again at each measure instead.
 */
export class TeacherOutputs {
  readonly #kept = new Map<number, Tensor[]>();

  constructor(readonly budget: { bytes: number }) {}

  /** The values of batch `index`: those kept, else `compute`'s (kept while the budget lasts). */
  of(index: number, compute: () => Tensor[]): Tensor[] {
    const kept = this.#kept.get(index);
    if (kept) return kept;
    const values = compute();
    const bytes = values.reduce((n, v) => n + 4 * v.numel, 0);
    if (bytes <= this.budget.bytes) {
      this.budget.bytes -= bytes;
      this.#kept.set(index, values.map((v) => keep(v)));
    }
    return values;
  }

  dispose(): void {
    for (const t of [...this.#kept.values()].flat()) t.dispose();
    this.#kept.clear();
  }
}
