import { ConfigError } from '../errors.js';
import { attrInt, type Dim, type Graph, type ValueInfo } from '../graph/index.js';
import { LOSS_NAMES, TASK_NAMES, scoresWithLabels, type Activation, type Head, type LabelKind, type LossName, type Task, type TaskName } from './task.js';
import { TASKS } from './tasks.js';

/** How a run picks each output's task and loss: `task` and `loss` as the options give them, and the data's labels. */
export type HeadOptions = {
  /** 'auto' or a task for every output, and/or NAME=TASK per output (later entries win). */
  readonly task: readonly string[];
  /** LOSS for every output and/or NAME=LOSS per output. */
  readonly loss: readonly string[];
  /** The labels the dataset carries, and its class count (class labels). */
  readonly labels: LabelKind;
  readonly classes: number;
  /** Which model, in errors ('teacher'). */
  readonly what: string;
  /**
   * --labels ignore: the heads are resolved as for data without labels (none trains on them or picks epochs by them),
   * and the labels only score the output they would have trained, when they fit it.
   */
  readonly ignoreLabels?: boolean;
};

const isTask = (s: string): s is TaskName => (TASK_NAMES as readonly string[]).includes(s);
const isLoss = (s: string): s is LossName => (LOSS_NAMES as readonly string[]).includes(s);

/** Entries 'VALUE' (every output) and 'NAME=VALUE' (one output) as a value per output name, checked. */
export function perOutput<T extends string>(entries: readonly string[], outputs: readonly string[], option: 'task' | 'loss', ok: (v: string) => v is T, allowed: readonly string[], what: string): Map<string, T> {
  const out = new Map<string, T>();
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    const name = at < 0 ? null : entry.slice(0, at);
    const value = at < 0 ? entry : entry.slice(at + 1);
    if (!ok(value)) throw new ConfigError(option, `'${value}' is not one of ${allowed.join(', ')}`, `e.g. --${option} ${name ?? outputs[0]}=${allowed[0]}`);
    if (name !== null && !outputs.includes(name)) {
      throw new ConfigError(option, `names output '${name}', which the ${what} lacks (its outputs: ${outputs.join(', ')})`, `give NAME=${option === 'task' ? 'TASK' : 'LOSS'} with one of its output names`);
    }
    for (const o of name === null ? outputs : [name]) out.set(o, value);
  }
  return out;
}

/** The final activation making an output (a Softmax over its classes or a Sigmoid), and the value before it. */
export function finalActivation(g: Graph, output: string, rank: number): { value: string; activation: Activation } {
  const p = g.nodes.find((n) => n.outputs[0] === output);
  if (!p || p.domain !== '' || !p.inputs[0]) return { value: output, activation: null };
  if (p.opType === 'Sigmoid') return { value: p.inputs[0], activation: 'sigmoid' };
  if (p.opType !== 'Softmax') return { value: output, activation: null };
  const axis = attrInt(p, 'axis', g.opset >= 13 ? -1 : 1);
  // the classes' axis: the last of [N, K], the second of [N, K, H, W]
  const classAxis = rank === 2 ? axis === -1 || axis === 1 : axis === 1 || axis === 1 - rank;
  return classAxis ? { value: p.inputs[0], activation: 'softmax' } : { value: output, activation: null };
}

/** Ops whose output [N, K] reads as class logits (a linear layer) rather than a vector of features. */
const LINEAR = new Set(['Gemm', 'MatMul', 'Add', 'LogSoftmax']);

/**
 * The task `auto` picks for an output: with target tensors for labels, regress (unless a Softmax makes it a
 * classifier); [N, K] logits (a Softmax, or a linear layer at the end) classify; a Sigmoid or K = 1 regresses; other
 * [N, D] (pooled features, normalised vectors) embed; [N, K, H, W] with K >= 2 segments; anything else regresses.
 */
export function autoTask(g: Graph, output: string, shape: readonly Dim[], activation: Activation, labels: LabelKind = null): TaskName {
  if (activation === 'sigmoid' || (labels === 'tensor' && activation !== 'softmax')) return 'regress';
  if (shape.length === 2) {
    if (shape[1] === 1) return 'regress';
    if (activation === 'softmax') return 'classify';
    const op = g.nodes.find((n) => n.outputs[0] === output)?.opType;
    return op !== undefined && LINEAR.has(op) ? 'classify' : 'embed';
  }
  if (shape.length === 4 && shape[1] !== 1) return 'segment';
  return 'regress';
}

/**
 * Every output of `g` as a Head: its task (the options', else auto), its loss (the options', else the task's
 * default), whether the data's labels train it (the first output whose task takes the kind of labels the data
 * has) and whether they score it (that output, and embeddings on class labels). `shapes` are the inferred value
 * shapes. Throws a ConfigError for a loss or task naming a missing output, a task the output's shape cannot be, or
 * class labels that do not match a classifier's classes (unless the labels are ignored: then they score nothing).
 */
export function resolveHeads(g: Graph, shapes: ReadonlyMap<string, ValueInfo>, o: HeadOptions): Head[] {
  const names = g.outputs.map((v) => v.name);
  const tasks = perOutput(o.task.filter((t) => t !== 'auto'), names, 'task', isTask, TASK_NAMES, o.what);
  const losses = perOutput(o.loss, names, 'loss', isLoss, LOSS_NAMES, o.what);
  let labelsTaken = false;
  return names.map((output) => {
    const shape = shapes.get(output)?.shape ?? g.outputs.find((v) => v.name === output)!.shape ?? [];
    const { value, activation } = finalActivation(g, output, shape.length);
    const name = tasks.get(output) ?? autoTask(g, output, shape, activation, o.ignoreLabels ? null : o.labels);
    const task: Task = TASKS[name];
    const misfit = task.misfit(shape);
    if (misfit) throw new ConfigError('task', `the ${o.what}'s output '${output}': ${misfit}`, 'choose the task that fits it, or leave --task auto');
    const takes = !labelsTaken && o.labels !== null && task.labelKind === o.labels;
    if (takes) labelsTaken = true;
    const classesDiffer = takes && name === 'classify' && shape[1] !== o.classes;
    if (classesDiffer && !o.ignoreLabels) {
      throw new ConfigError(o.what, `predicts ${String(shape[1] ?? '?')} classes (output [${shape.join(', ')}]) but the dataset has ${o.classes}`);
    }
    const labelled = takes && !o.ignoreLabels;
    const scored = (takes && !classesDiffer) || (o.labels !== null && task.scoredBy === o.labels);
    return { output, value, activation, shape, task: name, loss: losses.get(output) ?? task.defaultLoss(activation), labelled, scored };
  });
}

/**
 * One line per head for the start of a run, e.g. "output 'logits' [N, 10]: classify, loss kl, with labels", or
 * "..., distillation alone, scored by the labels" where they score it without training it.
 */
export function describeHeads(heads: readonly Head[]): string[] {
  return heads.map((h) => `output '${h.output}' [${h.shape.join(', ')}]: ${h.task}, loss ${h.loss}${h.activation ? ` (through its ${h.activation})` : ''}, ${labelsInWords(h)}`);
}

/** How a head uses the labels, in words: 'with labels' (and their loss when it is bce), 'distillation alone' or 'distillation alone, scored by the labels'. */
function labelsInWords(h: Head): string {
  if (h.labelled) return h.labelLoss === 'bce' ? 'with labels (bce)' : 'with labels';
  return scoresWithLabels(h) ? 'distillation alone, scored by the labels' : 'distillation alone';
}
