/** The schedules a training can take (--schedule): cosineSchedule with warmup, or oneCycleSchedule. */
export const SCHEDULES = ['cosine', 'onecycle'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

/** A learning rate as a function of the step (0-based) over a run of `total` steps. */
export type Schedule = (step: number) => number;

export type ScheduleOptions = { lr: number; total: number; warmup?: number; minLr?: number };

/** Linear warmup from lr/warmup to lr over `warmup` steps, then cosine decay to minLr at `total`. */
export function cosineSchedule({ lr, total, warmup = 0, minLr = 0 }: ScheduleOptions): Schedule {
  return (step) => {
    if (step < warmup) return (lr * (step + 1)) / warmup;
    const span = Math.max(1, total - warmup);
    const t = Math.min(1, (step - warmup) / span);
    return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * t));
  };
}

/** Linear warmup, then lr multiplied by gamma every `stepSize` steps. */
export function stepSchedule({ lr, warmup = 0, stepSize, gamma = 0.1 }: Omit<ScheduleOptions, 'total' | 'minLr'> & { stepSize: number; gamma?: number }): Schedule {
  return (step) => (step < warmup ? (lr * (step + 1)) / warmup : lr * gamma ** Math.floor((step - warmup) / stepSize));
}

export type OneCycleOptions = {
  lr: number; total: number; pctStart?: number; divFactor?: number; finalDivFactor?: number; baseMomentum?: number; maxMomentum?: number;
};

/** PyTorch's _annealing_cos: from `start` at pct 0 to `end` at pct 1 along half a cosine. */
const annealCos = (start: number, end: number, pct: number): number => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);

/**
 * torch.optim.lr_scheduler.OneCycleLR (two phases, cosine annealing), step by step: the lr rises from lr/divFactor
 * to lr over the first pctStart of the steps, then falls to lr/divFactor/finalDivFactor at the last; the momentum
 * (SGD's, or AdamW's beta1) goes the other way, from maxMomentum down to baseMomentum and back.
 */
export function oneCycleSchedule(o: OneCycleOptions): { lr: Schedule; momentum: Schedule } {
  const { lr, total, pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4, baseMomentum = 0.85, maxMomentum = 0.95 } = o;
  const initial = lr / divFactor;
  const min = initial / finalDivFactor;
  const peakAt = pctStart * total - 1;
  const last = total - 1;
  const phase = (step: number): { pct: number; rising: boolean } => {
    if (step <= peakAt) return { pct: peakAt > 0 ? step / peakAt : 1, rising: true };
    return { pct: Math.min(1, last > peakAt ? (step - peakAt) / (last - peakAt) : 1), rising: false };
  };
  return {
    lr: (step) => {
      const { pct, rising } = phase(step);
      return rising ? annealCos(initial, lr, pct) : annealCos(lr, min, pct);
    },
    momentum: (step) => {
      const { pct, rising } = phase(step);
      return rising ? annealCos(maxMomentum, baseMomentum, pct) : annealCos(baseMomentum, maxMomentum, pct);
    },
  };
}
