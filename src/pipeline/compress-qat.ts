import type { Graph } from '../graph/index.js';
import type { Dataset } from '../data/index.js';
import { AbortedError, type DataParallel } from '../distill/index.js';
import type { Head } from '../task/index.js';
import { quantizationAwareDistill, type QatResult } from './qat.js';
import { classicBatchLoss, headsBatchLoss } from './batch-loss.js';
import { floatEpochsOf, type RunConfig } from './run-config.js';
import type { QatProgress } from './checkpoint.js';
import type { TeacherCache } from './teacher-cache.js';
import type { CompressEvent } from '../options/events.js';

/** The heads of a run that is not one labelled classifier, for its quantization-aware epochs: the teacher's, the
 * student's, and the validation score that picks the best epoch. */
export type QatTasks = { heads: readonly Head[]; sHeads: readonly Head[]; score: (g: Graph) => Promise<number> };

/** The run's progress events, abort signal and process group. */
export type QatCallbacks = { onEvent?: ((e: CompressEvent) => void) | undefined; signal?: AbortSignal | undefined; parallel?: DataParallel | undefined };

/** Where the quantization-aware epochs live: the run folder and settings, where an earlier run stopped inside them,
 * and how their progress is kept in the run's checkpoint (rank 0; null on the other ranks). */
export type QatRun = { out: string; config: RunConfig; progress: QatProgress | null; save: ((p: QatProgress) => Promise<void>) | null };

/**
 * --quantize int8, the last step's final --qat-epochs: quantization-aware distillation of its student from the teacher
 * (see qat.ts), by the run's loss (per output for a run that is not one labelled classifier: `tasks`), its progress
 * kept in the run's checkpoint; returns the int8 model and the trained float one. Its epochs are numbered on from
 * the step's float epochs.
 */
export async function quantizeAware(o: QatCallbacks, r: QatRun, student: Graph, ds: Dataset, teacher: Graph, cache: TeacherCache | null, tasks: QatTasks | null): Promise<QatResult> {
  const { out, config: c, progress } = r;
  const emit = o.onEvent ?? (() => undefined);
  const step = c.plan.length;
  const before = floatEpochsOf(c, step - 1);
  const epochs = c.epochsPerStep[step - 1]!;
  const loss = tasks ? headsBatchLoss(c, tasks.heads, tasks.sHeads, teacher, tasks.heads, cache) : classicBatchLoss(c, teacher, cache);
  return quantizationAwareDistill(student, {
    out, config: c, ds, loss, progress,
    ...(tasks ? { extraOutputs: tasks.sHeads.map((h) => h.value), validate: tasks.score } : {}),
    onStart: (s) => {
      emit({ type: 'qat-start', epochs: c.qatEpochs, ...s });
      if (progress?.current) emit({ type: 'resumed', step, epoch: before + progress.current.epochs.length, of: epochs });
    },
    ...(r.save ? { save: r.save } : {}),
    onBatch: (b) => emit({ type: 'batch', step, ...b, epoch: before + b.epoch }),
    onEpoch: (e) => emit({ type: 'epoch-end', step, epoch: before + e.epoch, epochs, trainLoss: e.trainLoss, valAccuracy: e.valAccuracy, imagesPerSec: e.imagesPerSec }),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.parallel ? { parallel: o.parallel } : {}),
  }).catch((e: unknown) => {
    if (e instanceof AbortedError) throw new AbortedError(`the quantization-aware epochs, ${e.where}`, `continue with: whittle compress --resume ${out}`);
    throw e;
  });
}
