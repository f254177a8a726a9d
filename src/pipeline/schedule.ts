import { ConfigError } from '../errors.js';

/** The per-step ratios: explicit, or a geometric schedule reaching `target` in `steps` equal steps. */
export function resolveRatios(o: { ratios?: readonly number[]; target?: number; steps?: number }): number[] {
  if (o.ratios && o.target !== undefined) throw new ConfigError('ratios', 'give either ratios or target (with steps), not both');
  if (o.ratios) {
    if (o.ratios.length === 0) throw new ConfigError('ratios', 'needs at least one ratio');
    for (const r of o.ratios) if (!(r > 0 && r <= 1)) throw new ConfigError('ratios', `each ratio must be in (0, 1], got ${r}`);
    return [...o.ratios];
  }
  if (o.target === undefined) throw new ConfigError('ratios', 'give ratios (e.g. 0.5,0.5,0.5) or a target (e.g. --target 0.1 --steps 4)');
  if (!(o.target > 0 && o.target <= 1)) throw new ConfigError('target', `must be in (0, 1], got ${o.target}`);
  const steps = o.steps ?? 1;
  if (!Number.isInteger(steps) || steps < 1) throw new ConfigError('steps', `must be a whole number >= 1, got ${steps}`);
  return Array.from({ length: steps }, () => o.target! ** (1 / steps));
}

/** Epochs for each step: one number for all, or one per step. */
export function resolveEpochs(epochs: number | readonly number[], steps: number): number[] {
  const list = typeof epochs === 'number' ? Array.from({ length: steps }, () => epochs) : [...epochs];
  if (list.length !== steps) throw new ConfigError('epochsPerStep', `has ${list.length} entries for ${steps} steps`);
  for (const e of list) if (!Number.isInteger(e) || e < 0) throw new ConfigError('epochsPerStep', `each entry must be a whole number >= 0, got ${e}`);
  return list;
}

/**
 * `total` epochs over `steps` steps, the last step getting the most: two thirds of them (rounded), the rest evenly
 * over the earlier steps, a leftover epoch going to the later ones, each at least one (12 over 3: 2+2+8; 24: 4+4+16;
 * 8 over 4: 1+1+1+5). Measured: a last step that trains longest ends with the best student for a budget
 * (BENCHMARKS.md, 3+3+6 and 1+1+10 against 2+2+8).
 */
export function splitEpochs(total: number, steps: number): number[] {
  if (steps === 1) return [total];
  if (total < steps) throw new ConfigError('epochs', `${total} is fewer than one a step for ${steps} steps`, `give at least ${steps}, or --epochs-per-step (0 for a step that cuts without training)`);
  const early = steps - 1;
  const rest = Math.max(early, total - Math.round((2 * total) / 3));
  const each = Math.floor(rest / early);
  const leftover = rest - each * early;
  return [...Array.from({ length: early }, (_, i) => each + (i >= early - leftover ? 1 : 0)), total - rest];
}
