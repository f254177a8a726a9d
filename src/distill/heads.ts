import { add, flip, mul, noGrad, tidy, type Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { TASKS, type Head, type HeadMetrics } from '../task/index.js';
import { imagesOf, modelFeeds, type ModelInput } from '../exec/index.js';
import { BatchLoader, prefetchEpoch, type Dataset, type Split } from '../data/index.js';
import { batchOnDevice, runAtPrecision } from './evaluate.js';
import type { Views } from './views.js';

/** The values each head reads (logits before a final activation, else the output), in eval mode or training mode. */
export function headValues(g: Graph, x: ModelInput, heads: readonly Head[], training = false): Tensor[] {
  const outputs = new Set(g.outputs.map((o) => o.name));
  const extra = heads.map((h) => h.value).filter((v) => !outputs.has(v));
  const out = runAtPrecision(g, modelFeeds(g, x), { training, ...(extra.length ? { extraOutputs: extra } : {}) });
  return heads.map((h) => out[h.value]!);
}

/** headValues in eval mode, with 'flip' the mean of each value on the images and on them mirrored (classifiers only). */
export function headValuesOverViews(g: Graph, x: ModelInput, heads: readonly Head[], views: Views): Tensor[] {
  if (views === 'off') return headValues(g, x, heads);
  return tidy(() => {
    const a = headValues(g, x, heads);
    const b = headValues(g, flip(imagesOf(x), [3]), heads);
    return a.map((t, i) => mul(add(t, b[i]!), 0.5));
  });
}

/** Where measureHeads runs, and the teacher's views and its heads' values (when they differ from the student's). */
export type MeasureOptions = {
  device: string;
  batchSize?: number;
  views?: Views;
  teacherHeads?: readonly Head[];
  onBatch?: (done: number, of: number) => void;
};

/**
 * Each head's metrics for `student` on a split, in eval mode: fidelity to `teacher` (the same graph gives 1s) and,
 * where the head is labelled, its task metric against the labels. `teacherHeads` name the teacher's values when they
 * differ from the student's. Every sample of the split counts (in a
 * data-parallel run each rank measures the whole split, so nearest neighbours and R² see all of it).
 */
export async function measureHeads(student: Graph, teacher: Graph, ds: Dataset, split: Split['name'], heads: readonly Head[], o: MeasureOptions): Promise<HeadMetrics[]> {
  const meters = heads.map((h) => TASKS[h.task].meter(h));
  const loader = BatchLoader.of(ds, split, { batchSize: o.batchSize ?? 256, shuffle: false, augment: null });
  let done = 0;
  for await (const b of prefetchEpoch(loader)) {
    if (b.n > 0) {
      noGrad(() => tidy(() => {
        const { x, y, target } = batchOnDevice(b, o.device);
        const s = headValues(student, x, heads);
        const t = teacher === student ? s : headValuesOverViews(teacher, x, o.teacherHeads ?? heads, o.views ?? 'off');
        meters.forEach((m, i) => m.add(s[i]!, t[i]!, heads[i]!.labelled ? labelsOf(heads[i]!, y, target) : null));
      }));
    }
    o.onBatch?.(++done, loader.batchesPerEpoch);
  }
  return meters.map((m) => m.result(m.sums()));
}

/** The labels a labelled head takes: class ids for a classifier, the batch's masks or target tensors otherwise. */
export function labelsOf(h: Head, y: Tensor, target: Tensor | undefined): Tensor {
  return h.task === 'classify' || !target ? y : target;
}

/** Head metrics by output name, as report.json keeps them: `fidelity` and (labelled heads) `metrics`. */
export function metricsByOutput(heads: readonly Head[], m: readonly HeadMetrics[]): { fidelity: Record<string, Record<string, number>>; metrics?: Record<string, Record<string, number>> } {
  const fidelity = Object.fromEntries(heads.map((h, i) => [h.output, m[i]!.fidelity]));
  const labelled = heads.flatMap((h, i) => (m[i]!.task ? [[h.output, m[i]!.task!] as const] : []));
  return { fidelity, ...(labelled.length ? { metrics: Object.fromEntries(labelled) } : {}) };
}
