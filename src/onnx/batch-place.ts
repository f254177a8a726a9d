import type { Small } from './fold-eval.js';

/**
 * Where the batch sits in a value: on axis `axis`, whose size is p·batch·q (the batch a factor of that axis, with p
 * elements outside it and q inside, as `view(T * B, E)` or `view(T, B * H, D)` leave it). p and q are NaN when the
 * walk could not tell how an axis of size m·batch splits (then a Reshape that reads it is refused).
 */
export interface BatchPlace {
  readonly axis: number;
  readonly p: number;
  readonly q: number;
}

/** Adds a constant to the draft under a fresh name built from the hint; returns the name. */
export type Put = (hint: string, s: Small) => string;

export const int64 = (data: number[]): Small => ({ dtype: 'int64', shape: [data.length], data });

/** One way a Reshape's output can hold the batch: on output axis j, as p·batch·q. */
export interface Placement {
  readonly j: number;
  readonly p: number;
  readonly q: number;
}

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/**
 * The placements of the batch in a Reshape's output that keep every sample's elements together and in order, for
 * any batch: the input, flattened, is [before, batch, after] (before = the elements of the axes before the batch's
 * and p, after = q and the elements of the axes after it); an output axis j can hold the batch when the axes before
 * it hold a divisor of `before` (the rest, p', joins the batch's axis from outside) and those after it a divisor of
 * `after` (q' from inside), with p'·b0·q' equal to that axis's size at the export batch b0. `inShape` and `outShape`
 * are the shapes at b0. Best first: the batch as a whole axis (at the input's axis index first), then merged into an
 * axis that is not the last with the batch outermost (`B * heads`), then any other axis but the last, then the last
 * (the features axis, which weights read).
 */
export function placements(inShape: readonly number[], at: BatchPlace, outShape: readonly number[], b0: number): Placement[] {
  const before = prod(inShape.slice(0, at.axis)) * at.p;
  const after = at.q * prod(inShape.slice(at.axis + 1));
  const found: Placement[] = [];
  for (let j = 0; j < outShape.length; j++) {
    const c = prod(outShape.slice(0, j));
    const s = prod(outShape.slice(j + 1));
    if (c === 0 || s === 0 || before % c !== 0 || after % s !== 0) continue;
    const p = before / c;
    const q = after / s;
    if (p * b0 * q === outShape[j]) found.push({ j, p, q });
  }
  const last = outShape.length - 1;
  const rank = (c: Placement): number => {
    if (c.p === 1 && c.q === 1) return c.j === at.axis ? 0 : 1;
    if (c.j === last && last > 0) return 4;
    return c.p === 1 ? 2 : 3;
  };
  return found.sort((a, b) => rank(a) - rank(b) || a.j - b.j);
}

/** A Reshape target (0 copies, -1 infers) resolved against the input's shape; undefined when it does not fit. */
export function resolveTarget(target: readonly number[], inShape: readonly number[], allowZero: boolean): number[] | undefined {
  const dims = target.map((v, i) => (v === 0 && !allowZero ? inShape[i] : v));
  if (dims.some((v) => v === undefined)) return undefined;
  const known = (dims as number[]).filter((v) => v !== -1);
  const free = dims.length - known.length;
  const total = prod(inShape);
  if (free > 1) return undefined;
  if (free === 0) return prod(known) === total ? (dims as number[]) : undefined;
  const rest = prod(known);
  if (rest === 0 || total % rest !== 0) return undefined;
  return (dims as number[]).map((v) => (v === -1 ? total / rest : v));
}
