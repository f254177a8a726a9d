import { ConfigError } from '../errors.js';
import type { Graph } from '../graph/index.js';
import { isTensorStore, type Dataset } from '../data/index.js';
import { resolveHeads, scoresWithLabels, withLabelLosses, type Head, type LabelKind, type TargetRange } from '../task/index.js';
import { checkModelTakes } from './evaluate-model.js';

/** The labels a dataset carries, as tasks name them: class ids, masks, target tensors, or none. */
export function labelKindOf(ds: Dataset): LabelKind {
  const kind = ds.label.kind;
  return kind === 'none' ? null : kind === 'target' ? 'tensor' : kind;
}

/** The range of a tensor set's training targets; null for any other labels. */
export function targetRangeOf(ds: Dataset): TargetRange | null {
  const store = ds.train.store;
  const t = isTensorStore(store) ? store.targets?.data : undefined;
  if (!t?.length) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of t as Float32Array) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi };
}

/**
 * What a run asks of the outputs: the task and loss options, the labelled output's label loss (train-teacher --loss;
 * absent: the default, as compress takes it), whether it distils (else labels alone train), and whether it uses the
 * data's labels or ignores them for training (they still score; absent: use).
 */
export type HeadSettings = { task: readonly string[]; loss: readonly string[]; labelLoss?: readonly string[]; distill: boolean; labels?: 'use' | 'ignore' };

/**
 * The heads of a teacher on a dataset (its input checked, its outputs' tasks, losses and the labelled one's label
 * loss resolved: bce for a regressor ending in a Sigmoid on targets in [0, 1], as train-teacher trains it); a run that
 * trains on labels alone (no distillation) needs an output the labels fit. With labels ignored, an output whose masks
 * or targets do not fit is not scored rather than refused.
 */
export function headsFor(g: Graph, ds: Dataset, s: HeadSettings, what = 'teacher'): Head[] {
  const shapes = checkModelTakes(g, ds, what);
  const labels = labelKindOf(ds);
  const ignoreLabels = s.labels === 'ignore';
  const heads = resolveHeads(g, shapes, { task: s.task, loss: s.loss, labels, classes: ds.classes.length, what, ignoreLabels });
  const labelled = heads.find((h) => h.labelled);
  const misfit = labelled && labelMisfit(labelled, ds);
  if (misfit) throw new ConfigError(what, misfit.problem, misfit.hint);
  if (!s.distill && !labelled) {
    const which = labels === null ? `${ds.spec} has no labels` : `its ${labels} labels fit none of the ${what}'s outputs (${heads.map((h) => `${h.output}: ${h.task}`).join(', ')})`;
    throw new ConfigError('distill', `off trains on labels alone, and ${which}`, 'distil from the teacher (drop --no-distill)');
  }
  if (ignoreLabels) return heads.map((h) => (h.scored && labelMisfit(h, ds) ? { ...h, scored: false } : h));
  return withLabelLosses(heads, s.labelLoss ?? [], what, targetRangeOf(ds));
}

/** Why the dataset's masks or target tensors do not fit a head they would train or score, or null. */
function labelMisfit(h: Head, ds: Dataset): { problem: string; hint?: string } | null {
  if (ds.label.kind === 'mask' && h.task === 'segment' && h.shape[1] !== ds.classes.length && ds.classes.length > 0) {
    return { problem: `output '${h.output}' has ${String(h.shape[1])} class maps but the masks have ${ds.classes.length} classes` };
  }
  if (ds.label.kind === 'target' && h.task === 'regress') {
    const per = h.shape.slice(1);
    const want = ds.label.shape.reduce((a, b) => a * b, 1);
    if (per.every((d) => typeof d === 'number') && per.reduce<number>((a, d) => a * Number(d), 1) !== want) {
      return { problem: `output '${h.output}' [${h.shape.join(', ')}] does not match the targets' shape [${ds.label.shape.join(', ')}]`, hint: 'give targets (y.npy) of one output row each' };
    }
  }
  return null;
}

/**
 * A student's heads: the teacher's tasks, losses and labels (what they train and score), output by output in order,
 * on the student's own values (another architecture may name them otherwise); its outputs must have the teacher's
 * shapes.
 */
export function studentHeads(student: Graph, ds: Dataset, teacherHeads: readonly Head[], what = 'student'): Head[] {
  const shapes = checkModelTakes(student, ds, what);
  if (student.outputs.length !== teacherHeads.length) throw new ConfigError(what, `has ${student.outputs.length} outputs and the teacher ${teacherHeads.length}`, "use a student with the teacher's outputs");
  const asked = teacherHeads.map((h, i) => `${student.outputs[i]!.name}=${h.task}`);
  const losses = teacherHeads.map((h, i) => `${student.outputs[i]!.name}=${h.loss}`);
  const heads = resolveHeads(student, shapes, { task: asked, loss: losses, labels: null, classes: 0, what });
  return heads.map((h, i) => {
    const t = teacherHeads[i]!;
    const same = h.shape.length === t.shape.length && h.shape.every((d, k) => k === 0 || typeof d !== 'number' || typeof t.shape[k] !== 'number' || d === t.shape[k]);
    if (!same) {
      const classify = t.task === 'classify' && t.labelled;
      if (classify) throw new ConfigError(what, `predicts ${String(h.shape[1] ?? '?')} classes (output [${h.shape.join(', ')}]) but the dataset has ${ds.classes.length}`);
      throw new ConfigError(what, `output '${h.output}' is [${h.shape.join(', ')}] and the teacher's '${t.output}' [${t.shape.join(', ')}]`, "use a student with the teacher's output shapes");
    }
    return { ...h, labelled: t.labelled, scored: scoresWithLabels(t) };
  });
}

/** What the labels still do in a run that ignores them, for its start lines (after "labels: "). */
export function ignoredLabels(heads: readonly Head[], ds: Dataset): string {
  if (labelKindOf(ds) === null) return `ignored (${ds.spec} has none)`;
  const scored = heads.filter(scoresWithLabels).map((h) => `'${h.output}'`);
  const what = scored.length ? `they score output ${scored.join(', ')} of the teacher and every step on the test split (report.json's metrics)` : "they fit none of the teacher's outputs and score nothing";
  return `ignored for training and the best epoch (distillation alone, epochs by fidelity); ${what}`;
}
