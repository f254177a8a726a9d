import { cast, contiguous, manualSeed, noGrad, randint, randn, setNumThreads, setPrecision, tidy, keep, type Precision, type Tensor } from '../tensor/index.js';
import { buildZooGraph, type ZooArch } from '../zoo/index.js';
import { Sgd } from '../optim/index.js';
import { distillationLoss, forward, forwardWith, toChannelsLast } from '../distill/index.js';
import { GlobalBatchNorm } from '../exec/index.js';
import type { TrainLoop } from './train-bench.js';

export type DistillBenchOptions = {
  arch: ZooArch;
  input: [number, number, number];
  classes: number;
  batch: number;
  threads: number;
  seed: number;
  /** Reuse the teacher's logits (as compress does when inputs are deterministic) instead of a forward per step. */
  teacherCache: boolean;
  /** The student's channel widths (a pruned student, as compress trains after each pruning); default the teacher's. */
  studentWidths?: readonly number[];
  /** bf16: forward passes under autocast and the cached logits kept in bf16, as compress trains in bf16. */
  precision: Precision;
};

/**
 * One distillation step as compress runs it, on graphs through the executor: the teacher's logits (a forward in
 * eval mode, or the cached ones), the student's forward in train mode, Hinton's loss (T=4, alpha=0.9), backward,
 * SGD (momentum 0.9, weight decay 5e-4), with the trainer's BatchNorm (GlobalBatchNorm). The student is the
 * teacher's architecture at the given widths (a pruned student, as every step of compress trains) or, by default,
 * at the teacher's own.
 */
export function prepareDistill(o: DistillBenchOptions): TrainLoop {
  setNumThreads(o.threads);
  setPrecision(o.precision);
  manualSeed(o.seed);
  const teacher = buildZooGraph(o.arch, { input: o.input, classes: o.classes });
  const student = o.studentWidths ? buildZooGraph(o.arch, { input: o.input, classes: o.classes, widths: o.studentWidths }) : teacher.clone();
  toChannelsLast(teacher);
  toChannelsLast(student);
  const x = tidy(() => contiguous(randn([o.batch, ...o.input]), 'channels_last'));
  const y = randint(o.classes, [o.batch]);
  const cachedLogits = (): Tensor => (o.precision === 'bf16' ? cast(forward(teacher, x, false), 'bfloat16') : forward(teacher, x, false));
  const cached = o.teacherCache ? noGrad(() => tidy(() => keep(cachedLogits()))) : null;
  const opt = new Sgd(student.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
  const step = (): number => {
    const loss = tidy(() => {
      const t = cached ? (cached.dtype === 'float32' ? cached : cast(cached, 'float32')) : noGrad(() => forward(teacher, x, false));
      // the student's BatchNorm as the trainer computes it (the global batch's statistics, split-independent)
      const bn = new GlobalBatchNorm(null);
      try {
        const l = distillationLoss(forwardWith(student, x, true, [], bn).logits, t, y, { temperature: 4, alpha: 0.9 });
        bn.backward(l);
        return l.item();
      } finally {
        bn.dispose();
      }
    });
    opt.step();
    opt.zeroGrad();
    return loss;
  };
  return {
    step,
    dispose: () => {
      for (const t of [x, y, cached] as (Tensor | null)[]) t?.dispose();
      opt.dispose();
      teacher.dispose();
      student.dispose();
    },
  };
}
