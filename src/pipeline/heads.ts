import { ConfigError } from '../errors.js';
import type { Graph } from '../graph/index.js';
import type { Dataset } from '../data/index.js';
import { resolveHeads, type Head, type LabelKind } from '../task/index.js';
import { checkModelTakes } from './evaluate-model.js';

/** The labels a dataset carries, as tasks name them: class ids, masks, target tensors, or none. */
export function labelKindOf(ds: Dataset): LabelKind {
  const kind = ds.label.kind;
  return kind === 'none' ? null : kind === 'target' ? 'tensor' : kind;
}

/** What a run asks of the outputs: the task and loss options, and whether it distils (else labels alone train). */
export type HeadSettings = { task: readonly string[]; loss: readonly string[]; distill: boolean };

/**
 * The heads of a teacher on a dataset (its input checked, its outputs' tasks and losses resolved); a run that trains
 * on labels alone (no distillation) needs an output the labels fit.
 */
export function headsFor(g: Graph, ds: Dataset, s: HeadSettings, what = 'teacher'): Head[] {
  const shapes = checkModelTakes(g, ds, what);
  const labels = labelKindOf(ds);
  const heads = resolveHeads(g, shapes, { task: s.task, loss: s.loss, labels, classes: ds.classes.length, what });
  const labelled = heads.find((h) => h.labelled);
  if (labelled && ds.label.kind === 'mask' && labelled.shape[1] !== ds.classes.length && ds.classes.length > 0) {
    throw new ConfigError(what, `output '${labelled.output}' has ${String(labelled.shape[1])} class maps but the masks have ${ds.classes.length} classes`);
  }
  if (labelled && ds.label.kind === 'target') {
    const per = labelled.shape.slice(1);
    const want = ds.label.shape.reduce((a, b) => a * b, 1);
    if (per.every((d) => typeof d === 'number') && per.reduce<number>((a, d) => a * Number(d), 1) !== want) {
      throw new ConfigError(what, `output '${labelled.output}' [${labelled.shape.join(', ')}] does not match the targets' shape [${ds.label.shape.join(', ')}]`, 'give targets (y.npy) of one output row each');
    }
  }
  if (!s.distill && !labelled) {
    const which = labels === null ? `${ds.spec} has no labels` : `its ${labels} labels fit none of the ${what}'s outputs (${heads.map((h) => `${h.output}: ${h.task}`).join(', ')})`;
    throw new ConfigError('distill', `off trains on labels alone, and ${which}`, 'distil from the teacher (drop --no-distill)');
  }
  return heads;
}

/**
 * A student's heads: the teacher's tasks, losses and labels, output by output in order, on the student's own values
 * (another architecture may name them otherwise); its outputs must have the teacher's shapes.
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
    return { ...h, labelled: t.labelled };
  });
}
