import { callAten, cast, reshape, type Tensor } from '../tensor/index.js';
import { ConfigError } from '../errors.js';
import { LABEL_LOSS_NAMES, type Head, type LabelLossName, type TaskName } from './task.js';
import { TASKS } from './tasks.js';
import { perOutput } from './heads.js';

/** The label losses each task can train with, its default first (for a regressor ending in a Sigmoid, bce). */
const FITS: Record<TaskName, readonly LabelLossName[]> = { classify: ['ce'], segment: ['ce'], embed: [], regress: ['mse', 'bce'] };

const isLabelLoss = (s: string): s is LabelLossName => (LABEL_LOSS_NAMES as readonly string[]).includes(s);

/** The smallest and the largest value of a set's training targets (null: none, or not known). */
export type TargetRange = { readonly lo: number; readonly hi: number };

// bce's targets are probabilities: with one above 1 or below 0 its loss has no minimum
const probabilities = (r: TargetRange | null): boolean => r === null || (r.lo >= 0 && r.hi <= 1);

/**
 * The label loss a head trains with when none is asked: the task's own; bce for a regressor ending in a Sigmoid whose
 * targets lie in [0, 1] (normalised MSE of its logits when they do not).
 */
export function defaultLabelLoss(h: Head, targets: TargetRange | null = null): LabelLossName | null {
  if (h.task === 'regress' && h.activation === 'sigmoid' && probabilities(targets)) return 'bce';
  return FITS[h.task][0] ?? null;
}

/**
 * The heads with the label loss of each labelled one: `entries` (LOSS for the labelled output, or NAME=LOSS) as
 * train-teacher --loss gives them, else the default (defaultLabelLoss, on the `targets`' range). A ConfigError for an
 * unknown loss, a name the model lacks, an output the labels do not train, a loss its task cannot take, or bce on
 * targets outside [0, 1].
 */
export function withLabelLosses(heads: readonly Head[], entries: readonly string[], what: string, targets: TargetRange | null = null): Head[] {
  const names = heads.map((h) => h.output);
  const asked = perOutput(entries.filter((e) => e.includes('=')), names, 'loss', isLabelLoss, LABEL_LOSS_NAMES, what);
  const every = entries.filter((e) => !e.includes('='));
  for (const e of every) if (!isLabelLoss(e)) throw new ConfigError('loss', `'${e}' is not one of ${LABEL_LOSS_NAMES.join(', ')}`, `e.g. --loss ${LABEL_LOSS_NAMES[0]}`);
  const trained = heads.find((h) => h.labelled);
  for (const name of asked.keys()) {
    if (name !== trained?.output) throw new ConfigError('loss', `names output '${name}', which the labels do not train (they train ${trained ? `'${trained.output}'` : 'none'})`, 'give the loss of the labelled output, or LOSS alone');
  }
  return heads.map((h) => {
    if (!h.labelled) return h;
    const loss = asked.get(h.output) ?? (every[every.length - 1] as LabelLossName | undefined) ?? defaultLabelLoss(h, targets);
    if (loss === null) return h;
    if (!FITS[h.task].includes(loss)) {
      throw new ConfigError('loss', `${loss} does not train output '${h.output}' (${h.task}) on its labels`, `give ${FITS[h.task].join(' or ')}, or leave --loss out`);
    }
    if (loss === 'bce' && targets && !probabilities(targets)) {
      throw new ConfigError('loss', `bce trains output '${h.output}' on targets in [0, 1], and the targets run from ${targets.lo} to ${targets.hi}`, 'give mse, or targets scaled to [0, 1]');
    }
    return { ...h, labelLoss: loss };
  });
}

/** A head's loss against its labels: its label loss (withLabelLosses), else its task's. */
export function headLabelLoss(h: Head, s: Tensor, labels: Tensor): Tensor {
  if (h.labelLoss === 'bce') return callAten('binary_cross_entropy_with_logits', '', s, reshape(cast(labels, 'float32'), s.shape), null, null, 1);
  // mse is the regressor's own loss, ce the classifier's and the segmenter's
  return TASKS[h.labelLoss === 'mse' ? 'regress' : h.task].labelLoss(s, labels);
}
