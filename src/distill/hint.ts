import {
  add, callAten, cast, cat, clone, contiguous, conv2d, crossEntropy, detach, div, indexSelect, keep, matmul, mean, mse, mul, narrow, noGrad, permute,
  reshape, sub, sum, tensor, tidy, toDevice, transpose, type Tensor,
} from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { ConfigError } from '../errors.js';
import { inputTensors, mapInput, modelFeeds, runGraph, type ModelInput } from '../exec/index.js';
import type { Dataset } from '../data/index.js';
import { distillationLoss, type DistillLossOptions } from './losses.js';
import { sampleTrainBatches } from './sample-batches.js';
import { runAtPrecision } from './evaluate.js';

/** A hint: the teacher value whose feature map the student value (through a 1x1 adapter) should reproduce. */
export type HintPair = { teacher: string; student: string };

/** Node types whose 4-D output may serve as a hint: convolutions, normalisations, activations, residual sums (not pooling). */
const FEATURE_OPS = new Set(['Conv', 'BatchNormalization', 'Relu', 'Clip', 'LeakyRelu', 'Sigmoid', 'HardSwish', 'HardSigmoid', 'Add']);

/** Parses `t1:s1,t2:s2` (teacher value : student value, comma separated). */
export function parseHintPairs(spec: string, option = 'hint-layers'): HintPair[] {
  const pairs = spec.split(',').map((p) => p.trim()).filter((p) => p).map((p) => {
    const [teacher, student, ...rest] = p.split(':');
    if (!teacher || !student || rest.length) throw new ConfigError(option, `expected teacherValue:studentValue pairs separated by commas, got '${p}'`, "e.g. --hint-layers 'relu_4:relu_4,relu_6:relu_6' (node output names in the ONNX files); --feature-distill auto records the pairs it picks in report.json");
    return { teacher, student };
  });
  if (!pairs.length) throw new ConfigError(option, 'no pairs given');
  return pairs;
}

/** The 4-D feature values a graph offers as hints, in graph order, with their shapes at batch `x`. */
function featureShapes(g: Graph, x: ModelInput): { name: string; shape: number[] }[] {
  const names = g.nodes.filter((n) => FEATURE_OPS.has(n.opType) && n.domain === '' && n.outputs[0]).map((n) => n.outputs[0]!);
  const exclude = new Set(g.outputs.map((o) => o.name));
  return noGrad(() => tidy(() => {
    const v = runGraph(g, modelFeeds(g, mapInput(x, (t) => narrow(t, 0, 0, 1))), { training: false, extraOutputs: names });
    return names.filter((n) => !exclude.has(n)).map((name) => ({ name, shape: v[name]!.shape })).filter((f) => f.shape.length === 4 && f.shape[2]! * f.shape[3]! > 1);
  }));
}

/** The last feature value of each spatial resolution, keyed `HxW`, in order of first appearance. */
function lastPerResolution(fs: readonly { name: string; shape: number[] }[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of fs) m.set(`${f.shape[2]}x${f.shape[3]}`, f.name);
  return m;
}

/**
 * Hint pairs chosen automatically: for each spatial resolution (above 1x1) the teacher's last conv/norm/activation/
 * sum output at that resolution, paired with the student's last such output at that resolution. For a pruned copy
 * these are the same values (same names); for another architecture, the stage outputs matched by size. Names alone
 * are not trusted: generated names (relu_3) can coincide across architectures. Resolutions only one has are skipped.
 */
export function autoHintPairs(teacher: Graph, student: Graph, x: ModelInput): HintPair[] {
  const sLast = lastPerResolution(featureShapes(student, x));
  const pairs: HintPair[] = [];
  for (const [res, t] of lastPerResolution(featureShapes(teacher, x))) {
    const s = sLast.get(res);
    if (s) pairs.push({ teacher: t, student: s });
  }
  return pairs;
}

/** Rows of a [N, C, H, W] map as [N*H*W, C], in float64. */
const rows = (t: Tensor): Tensor => cast(reshape(permute(t, [0, 2, 3, 1]), [-1, t.shape[1]!]), 'float64');

/**
 * A 1x1 adapter [Ct, Cs] and bias [Ct] fitted by ridge regression of the teacher's map on the student's over the
 * given batches, so that hint training starts from the best linear map rather than a random one (for a pruned copy
 * of the teacher, close to selecting the kept channels) and the hint does not shake the student at the start.
 */
function fitAdapter(sMaps: readonly Tensor[], tMaps: readonly Tensor[]): { weight: Tensor; bias: Tensor } {
  return noGrad(() => tidy(() => {
    const s = cat(sMaps.map(rows), 0);
    const t = cat(tMaps.map(rows), 0);
    const ms = mean(s, 0, true);
    const mt = mean(t, 0, true);
    const sc = sub(s, ms);
    const a = matmul(transpose(sc, 0, 1), sc);
    const cs = a.shape[0]!;
    const ridge = 1e-3 * sum(callAten('diagonal', '', a, 0, 0, 1)).item() / cs + 1e-8;
    const w = callAten('linalg_solve', '', add(a, mul(callAten('eye', '', cs, 'float64', null, null, null), ridge)), matmul(transpose(sc, 0, 1), sub(t, mt)), true); // [Cs, Ct]
    const bias = sub(mt, matmul(ms, w));
    const weight = reshape(transpose(w, 0, 1), [w.shape[1]!, cs, 1, 1]);
    return { weight: keep(contiguous(cast(weight, 'float32'))), bias: keep(contiguous(cast(reshape(bias, [-1]), 'float32'))) };
  }));
}

/** One hint's loss: MSE(conv1x1(s; weight, bias), t) / mean(t^2), the teacher map t taken as a constant. */
export function hintTerm(s: Tensor, t: Tensor, weight: Tensor, bias: Tensor): Tensor {
  const target = detach(t);
  return div(mse(conv2d(s, weight, bias), target), add(noGrad(() => mean(mul(target, target))), 1e-8));
}

export type FeatureDistillOptions = {
  /** The pairs, or 'auto' (autoHintPairs). */
  pairs: readonly HintPair[] | 'auto';
  /** beta: the hint term's weight next to the logit loss. */
  weight: number;
  device: string;
  seed: number;
  /** Batches of the training split the adapters are fitted on (default 2 of 128). */
  batches?: number;
  batchSize?: number;
};

/**
 * FitNets-style feature distillation on top of Hinton's loss: for each hint pair, a 1x1 adapter maps the student's
 * feature map to the teacher's channels, and the loss adds weight * mean over pairs of MSE(adapter(s), t) / mean(t^2)
 * (normalised so that every pair, whatever its scale, counts as a relative error). The adapters are trained with the
 * student (parameters()) and never exported. Feature maps are too big to cache, so the teacher runs on every batch.
 */
export class FeatureDistiller {
  readonly pairs: readonly HintPair[];
  #adapters: { weight: Tensor; bias: Tensor }[];

  private constructor(readonly teacher: Graph, pairs: readonly HintPair[], adapters: { weight: Tensor; bias: Tensor }[], readonly weight: number) {
    this.pairs = pairs;
    this.#adapters = adapters;
  }

  /** Chooses or checks the pairs and fits the adapters on a few training batches. */
  static create(teacher: Graph, student: Graph, ds: Dataset, o: FeatureDistillOptions): FeatureDistiller {
    if (!(o.weight > 0)) throw new ConfigError('hint-weight', `must be > 0, got ${o.weight}`);
    const batches = sampleTrainBatches(ds, { count: o.batches ?? 2, batchSize: o.batchSize ?? 128, seed: o.seed, device: o.device });
    try {
      const pairs = o.pairs === 'auto' ? autoHintPairs(teacher, student, batches[0]!) : o.pairs;
      if (!pairs.length) throw new ConfigError('feature-distill', 'teacher and student share no spatial resolution to match features at', 'name the pairs with --hint-layers');
      checkPairs(teacher, student, pairs, batches[0]!);
      const tMaps = pairs.map(() => [] as Tensor[]);
      const sMaps = pairs.map(() => [] as Tensor[]);
      // The student's maps as training will see them (BatchNorm on batch statistics), from a copy whose running
      // statistics may move; the teacher's as the loss sees them, in eval mode.
      const trainee = student.clone();
      try {
        noGrad(() => {
          for (const x of batches) {
            const t = runGraph(teacher, modelFeeds(teacher, x), { extraOutputs: pairs.map((p) => p.teacher) });
            const s = runGraph(trainee, modelFeeds(trainee, x), { training: true, extraOutputs: pairs.map((p) => p.student) });
            pairs.forEach((p, i) => (tMaps[i]!.push(t[p.teacher]!), sMaps[i]!.push(s[p.student]!)));
            for (const [k, v] of [...Object.entries(t), ...Object.entries(s)]) if (!pairs.some((p) => p.teacher === k || p.student === k)) v.dispose();
          }
        });
      } finally {
        trainee.dispose();
      }
      const adapters = pairs.map((_, i) => fitAdapter(sMaps[i]!, tMaps[i]!));
      for (const m of [...tMaps.flat(), ...sMaps.flat()]) m.dispose();
      for (const a of adapters) (a.weight.requiresGrad = true, a.bias.requiresGrad = true);
      return new FeatureDistiller(teacher, pairs, adapters, o.weight);
    } finally {
      for (const t of batches.flatMap(inputTensors)) t.dispose();
    }
  }

  /** The student values the trainer must return with the logits. */
  get studentValues(): string[] {
    return this.pairs.map((p) => p.student);
  }

  /** The adapters' tensors, trained alongside the student's parameters. */
  parameters(): Tensor[] {
    return this.#adapters.flatMap((a) => [a.weight, a.bias]);
  }

  /** weight * the mean over pairs of the normalised MSE between the adapted student maps and the teacher's. */
  hintLoss(student: Readonly<Record<string, Tensor>>, teacher: Readonly<Record<string, Tensor>>): Tensor {
    const terms = this.pairs.map((p, i) => hintTerm(student[p.student]!, teacher[p.teacher]!, this.#adapters[i]!.weight, this.#adapters[i]!.bias));
    return mul(terms.reduce((x, y) => add(x, y)), this.weight / terms.length);
  }

  /**
   * The training loss for one batch: the teacher runs (eval mode, no gradient) for its logits and hint maps; Hinton's
   * loss with `kd` (or cross-entropy with the labels when kd is null) plus the hint term. `studentValues` are the
   * student's maps of the same batch.
   */
  loss(logits: Tensor, labels: Tensor, x: ModelInput, studentValues: Readonly<Record<string, Tensor>>, kd: DistillLossOptions | null): Tensor {
    const t = noGrad(() => runAtPrecision(this.teacher, modelFeeds(this.teacher, x), { extraOutputs: this.pairs.map((p) => p.teacher) }));
    const base = kd ? distillationLoss(logits, t[this.teacher.outputs[0]!.name]!, labels, kd) : crossEntropy(logits, labels);
    return add(base, this.hintLoss(studentValues, t));
  }

  /**
   * For each tensor of parameters() (a pair's weight, then its bias), a function that cuts a tensor of that shape as
   * the adapters are cut when the student's hint values keep only the channels `kept[pair]` (null: all): a weight
   * [Ct, Cs, 1, 1] keeps those input columns, a bias is copied. Used for the adapters and their optimizer state.
   */
  cutters(kept: readonly (readonly number[] | null)[]): ((t: Tensor) => Tensor)[] {
    if (kept.length !== this.pairs.length) throw new ConfigError('hint-layers', `${kept.length} channel lists for ${this.pairs.length} hint pairs (a bug; please report it)`);
    const copy = (t: Tensor): Tensor => noGrad(() => tidy(() => keep(clone(t))));
    return kept.flatMap((k) => [
      k === null ? copy : (t: Tensor) => noGrad(() => tidy(() => {
        const idx = tensor(k, [k.length], 'int64');
        return keep(contiguous(indexSelect(t, 1, t.device === 'cpu' ? idx : toDevice(idx, t.device))));
      })),
      copy,
    ]);
  }

  /** Cuts the adapters' input channels like the student's hint values (a soft cut's end; see cutters). */
  cut(kept: readonly (readonly number[] | null)[]): void {
    const fns = this.cutters(kept);
    this.#adapters = this.#adapters.map((a, i) => {
      const weight = fns[2 * i]!(a.weight);
      const bias = fns[2 * i + 1]!(a.bias);
      a.weight.dispose();
      a.bias.dispose();
      weight.requiresGrad = true;
      bias.requiresGrad = true;
      return { weight, bias };
    });
  }

  dispose(): void {
    for (const t of this.parameters()) t.dispose();
  }
}

function checkPairs(teacher: Graph, student: Graph, pairs: readonly HintPair[], x: ModelInput): void {
  const ts = new Map(featureShapes(teacher, x).map((f) => [f.name, f.shape]));
  const ss = new Map(featureShapes(student, x).map((f) => [f.name, f.shape]));
  const issues: string[] = [];
  for (const p of pairs) {
    const a = ts.get(p.teacher);
    const b = ss.get(p.student);
    if (!a) issues.push(`teacher has no 4-D feature value '${p.teacher}'`);
    if (!b) issues.push(`student has no 4-D feature value '${p.student}'`);
    if (a && b && (a[2] !== b[2] || a[3] !== b[3])) issues.push(`'${p.teacher}' is ${a[2]}x${a[3]} but '${p.student}' is ${b[2]}x${b[3]}`);
  }
  const offer = (m: Map<string, number[]>): string => [...lastPerResolution([...m].map(([name, shape]) => ({ name, shape })))].map(([res, n]) => `${n} (${res})`).join(', ');
  if (issues.length) throw new ConfigError('hint-layers', `${issues.join('; ')}`, `hint values are outputs of Conv, BatchNormalization, activation or Add nodes with the same spatial size in both models; the last of each size: teacher ${offer(ts)}; student ${offer(ss)}`);
}
