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
