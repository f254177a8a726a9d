import { add, mul, type Tensor } from '../tensor/index.js';
import { distillLoss } from './losses.js';
import { TASKS } from './tasks.js';
import { headLabelLoss } from './label-losses.js';
import type { Head, HeadMetrics } from './task.js';

/** How the heads' losses combine: distil (with the temperature), and the labels' share `1 - alpha` where a head has them. */
export type ObjectiveOptions = { distill: boolean; temperature: number; alpha: number };

/**
 * The training loss of a batch: for each head, alpha · its distillation loss + (1 − alpha) · its label loss when the
 * head is labelled, its distillation loss alone when not (or the label loss alone without distillation); the sum
 * over the heads. `teacher` is null without distillation. For one labelled classifier head with kl this is
 * distillationLoss, computed the same way.
 */
export function headsLoss(heads: readonly Head[], student: readonly Tensor[], teacher: readonly Tensor[] | null, labels: Tensor, o: ObjectiveOptions): Tensor {
  let total: Tensor | null = null;
  heads.forEach((h, i) => {
    const s = student[i]!;
    const alpha = h.labelled ? o.alpha : 1;
    let term: Tensor | null = o.distill ? distillLoss(h.loss, s, teacher![i]!, { temperature: o.temperature, weight: alpha }) : null;
    if (h.labelled && (!o.distill || alpha < 1)) {
      const label = headLabelLoss(h, s, labels);
      term = term ? add(term, mul(label, 1 - alpha)) : label;
    }
    if (term) total = total ? add(total, term) : term;
  });
  if (!total) throw new Error('headsLoss: no head has a loss (no distillation and no labels)');
  return total;
}

/**
 * The number that picks the best epoch: per head its task metric when labelled (accuracy, mIoU against masks, R²
 * against targets), else its fidelity metric (agreement, mIoU against the teacher, cosine, R²); the mean over heads.
 */
export function selectionScore(heads: readonly Head[], metrics: readonly HeadMetrics[]): number {
  const each = heads.map((h, i) => {
    const t = TASKS[h.task];
    const m = metrics[i]!;
    return h.labelled && t.taskMetric && m.task ? m.task[t.taskMetric]! : m.fidelity[t.fidelityMetric]!;
  });
  return each.reduce((a, b) => a + b, 0) / Math.max(1, each.length);
}

/** What selectionScore measures, in words, e.g. "cosine to the teacher (output 'features')". */
export function scoreName(heads: readonly Head[]): string {
  return heads.map((h) => {
    const t = TASKS[h.task];
    return h.labelled && t.taskMetric ? `${t.taskMetric} (output '${h.output}', labels)` : `${t.fidelityMetric} (output '${h.output}', against the teacher)`;
  }).join(' + ');
}

/** Whether a run is the classic one: one output, a labelled classifier (accuracy picks epochs, as before tasks). */
export const isLabelledClassifier = (heads: readonly Head[]): boolean => heads.length === 1 && heads[0]!.task === 'classify' && heads[0]!.labelled;
