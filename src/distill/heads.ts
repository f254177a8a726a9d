import { add, flip, mul, noGrad, tidy, type Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { TASKS, scoresWithLabels, type Head, type HeadMetrics } from '../task/index.js';
import { imagesOf, modelFeeds, type ModelInput } from '../exec/index.js';
import { BatchLoader, prefetchEpoch, type Dataset, type Split } from '../data/index.js';
import { batchOnDevice, runAtPrecision } from './evaluate.js';
import type { Views } from './views.js';
import type { DataParallel } from './data-parallel.js';
import type { TeacherOutputs } from './teacher-outputs.js';

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
  /** The teacher's values kept from an earlier measure of the same split (with the same teacher, heads, views and batch size). */
  teacherOutputs?: TeacherOutputs;
  /** A data-parallel run: each rank measures its share of the batches (a collective: every rank calls it). */
  parallel?: DataParallel;
  onBatch?: (done: number, of: number) => void;
};

/**
 * Each head's metrics for `student` on a split, in eval mode: fidelity to `teacher` (the same graph gives 1s) and,
 * where the labels score the head, its task metrics against them. `teacherHeads` name the teacher's values when they
 * differ from the student's. Every sample of the split counts: in a data-parallel run each rank measures whole
 * batches dealt out in turn, and the batches' parts are gathered and folded in order on every rank, so the metrics
 * are those of one process to the last digit (nearest neighbours and R² see the whole split).
 */
export async function measureHeads(student: Graph, teacher: Graph, ds: Dataset, split: Split['name'], heads: readonly Head[], o: MeasureOptions): Promise<HeadMetrics[]> {
  const meters = heads.map((h) => TASKS[h.task].meter(h));
  const loader = BatchLoader.of(ds, split, { batchSize: o.batchSize ?? 256, shuffle: false, augment: null });
  const par = o.parallel;
  const parts: (Float64Array[] | undefined)[] = [];
  let index = 0;
  for await (const b of prefetchEpoch(loader)) {
    if (b.n > 0 && (!par || index % par.worldSize === par.rank)) {
      parts[index] = noGrad(() => tidy(() => {
        const { x, y, target } = batchOnDevice(b, o.device);
        const s = headValues(student, x, heads);
        const teacherValues = (): Tensor[] => headValuesOverViews(teacher, x, o.teacherHeads ?? heads, o.views ?? 'off');
        const t = teacher === student ? s : o.teacherOutputs ? o.teacherOutputs.of(index, teacherValues) : teacherValues();
        return meters.map((m, i) => m.part(s[i]!, t[i]!, scoresWithLabels(heads[i]!) ? labelsOf(heads[i]!, y, target) : null));
      }));
    }
    // counted apart from the optional callback (`o.onBatch?.(++index)` skips the ++ without one)
    index++;
    o.onBatch?.(index, loader.batchesPerEpoch);
  }
  const all = par ? gatherParts(parts, loader.batchesPerEpoch, heads.length, par) : parts.filter((p) => p !== undefined);
  return meters.map((m, i) => m.result(all.map((p) => p[i]!)));
}

/**
 * Every batch's parts on every rank, in the split's order: each rank puts the parts of its batches at their place in
 * one array, zeros elsewhere, and one sum across ranks assembles it (each number comes from one rank: exactly).
 */
function gatherParts(mine: readonly (Float64Array[] | undefined)[], batches: number, heads: number, par: DataParallel): Float64Array[][] {
  const lengths = par.sum(Array.from({ length: batches * heads }, (_, k) => mine[Math.floor(k / heads)]?.[k % heads]!.length ?? 0));
  const offsets: number[] = [];
  let total = 0;
  for (const n of lengths) {
    offsets.push(total);
    total += n;
  }
  if (!total) return [];
  const flat = new Float64Array(total);
  mine.forEach((p, b) => p?.forEach((part, h) => flat.set(part, offsets[b * heads + h]!)));
  const summed = Float64Array.from(par.sum(Array.from(flat)));
  const out: Float64Array[][] = [];
  for (let b = 0; b < batches; b++) {
    // a batch with no rows has no parts
    if (lengths[b * heads]! > 0) out.push(Array.from({ length: heads }, (_, h) => summed.subarray(offsets[b * heads + h]!, offsets[b * heads + h]! + lengths[b * heads + h]!)));
  }
  return out;
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
