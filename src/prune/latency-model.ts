import { ConfigError } from '../errors.js';
import type { DependencyGraph } from './dependency-graph.js';
import { groupWidth } from './group.js';

/**
 * A NetAdapt-style latency table of one model on one runtime: the whole model's latency (`baseMs`), and for each
 * channel group the change in latency with that group alone cut to each measured width (the others whole). Widths
 * between two measured ones are interpolated linearly; a group not in the table costs nothing to cut.
 */
export type LatencyTable = {
  baseMs: number;
  groups: Record<string, { widths: number[]; deltaMs: number[] }>;
};

/** What allocate() asks of a size measure: its value for the current kept units, updated a unit at a time. */
export interface Cost {
  readonly before: number;
  readonly metric: string;
  reset(kept: Uint8Array): void;
  change(u: number, delta: 1 | -1): void;
  total(): number;
}

/** The change in latency of one group at width `w`, from its table row (sorted by width). */
function deltaAt(row: { widths: number[]; deltaMs: number[] }, w: number): number {
  const { widths, deltaMs } = row;
  if (w <= widths[0]!) return deltaMs[0]!;
  for (let i = 1; i < widths.length; i++) {
    if (w <= widths[i]!) {
      const t = (w - widths[i - 1]!) / (widths[i]! - widths[i - 1]!);
      return deltaMs[i - 1]! + t * (deltaMs[i]! - deltaMs[i - 1]!);
    }
  }
  return deltaMs[deltaMs.length - 1]!;
}

/**
 * Latency as a function of the kept units, from a table: baseMs plus each group's change at its width. It is the
 * sum of independent changes (NetAdapt's approximation): neighbouring groups interact, so the caller times the
 * chosen student and corrects the target (see pipeline/latency.ts).
 */
export class LatencyCost implements Cost {
  readonly metric = 'latency';
  readonly before: number;
  readonly #unitGroup: Int32Array;
  readonly #counts: number[];
  readonly #frozen: number[];
  readonly #rows: ({ widths: number[]; deltaMs: number[] } | null)[];

  constructor(readonly dg: DependencyGraph, readonly table: LatencyTable) {
    if (!(table.baseMs > 0)) throw new ConfigError('latency', `the latency table's base latency must be > 0, got ${table.baseMs}`);
    this.#unitGroup = new Int32Array(dg.unitCount).fill(-1);
    dg.groups.forEach((g, gi) => {
      for (const u of g.units) this.#unitGroup[u] = gi;
    });
    this.#frozen = dg.groups.map((g) => g.frozen);
    this.#counts = dg.groups.map((g) => groupWidth(g));
    this.#rows = dg.groups.map((g) => table.groups[g.name] ?? null);
    this.before = this.total();
  }

  reset(kept: Uint8Array): void {
    for (let gi = 0; gi < this.#counts.length; gi++) this.#counts[gi] = this.#frozen[gi]!;
    for (let u = 0; u < kept.length; u++) if (kept[u] && this.#unitGroup[u]! >= 0) this.#counts[this.#unitGroup[u]!]! += 1;
  }

  change(u: number, delta: 1 | -1): void {
    const gi = this.#unitGroup[u]!;
    if (gi >= 0) this.#counts[gi]! += delta;
  }

  total(): number {
    let s = this.table.baseMs;
    this.#rows.forEach((row, gi) => {
      if (row) s += deltaAt(row, this.#counts[gi]!);
    });
    return s;
  }
}
