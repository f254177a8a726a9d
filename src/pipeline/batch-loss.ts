import { crossEntropy, noGrad, type Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { distillationLoss, headValuesOverViews, labelsOf, logitsOverViews, type BatchInfo } from '../distill/index.js';
import { headsLoss, type Head } from '../task/index.js';
import type { TeacherCache } from './teacher-cache.js';
import type { RunConfig } from './run-config.js';

/** A training batch's loss, from the student's logits, the labels and the batch. */
export type BatchLoss = (logits: Tensor, y: Tensor, at: BatchInfo) => Tensor;

/**
 * The batch loss of a labelled classifier run: T²·KL to `source`'s logits (from the teacher cache, or computed on the
 * batch; no graph is recorded through the teacher) with the labels' cross-entropy, or the cross-entropy alone
 * without distillation.
 */
export function classicBatchLoss(c: RunConfig, source: Graph, cache: TeacherCache | null): BatchLoss {
  return (logits, y, at) => {
    if (!c.distill) return crossEntropy(logits, y);
    const t = cache ? cache.lookup(at.rows) : noGrad(() => logitsOverViews(source, at.x, c.teacherViews));
    return distillationLoss(logits, t, y, { temperature: c.temperature, alpha: c.alpha });
  };
}

/**
 * The batch loss of a run that is not one labelled classifier: each head's distillation from `source` (its values
 * from the teacher cache, or computed on the batch) and, where labelled, its label loss (headsLoss).
 */
export function headsBatchLoss(c: RunConfig, heads: readonly Head[], sHeads: readonly Head[], source: Graph, sourceHeads: readonly Head[], cache: TeacherCache | null): BatchLoss {
  return (logits, y, at) => {
    const t = !c.distill ? null : cache ? cache.lookupAll(at.rows) : noGrad(() => headValuesOverViews(source, at.x, sourceHeads, c.teacherViews));
    const labelled = heads.find((h) => h.labelled);
    const labels = labelled ? labelsOf(labelled, y, at.target) : y;
    return headsLoss(heads, sHeads.map((h) => at.values[h.value] ?? logits), t, labels, { distill: c.distill, temperature: c.temperature, alpha: c.alpha });
  };
}

