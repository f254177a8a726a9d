/**
 * Index mapping: how the channel positions of one value relate to those of another. A value's channels are an
 * array of atom ids (one per position along axis 1): an atom is one output channel of one source layer, or
 * FROZEN for a channel that may never be removed (graph inputs, channels made by ops the analysis does not know).
 *
 * Example: Conv a (2 channels, atoms [1, 2]) and Conv b (3 channels, atoms [3, 4, 5]) concatenated on axis 1 give
 * [1, 2, 3, 4, 5]; flattening a [N, 2, 2, 2] tensor with atoms [1, 2] gives [1, 1, 1, 1, 2, 2, 2, 2].
 */
export const FROZEN = 0;

/** Channel atoms of a new source with `n` channels, starting at atom `base`. */
export function sourceAtoms(base: number, n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => base + i);
}

/** `n` frozen positions. */
export function frozenAtoms(n: number): Int32Array {
  return new Int32Array(n).fill(FROZEN);
}

/** Each position repeated `k` times in place: Flatten of [N, C, H, W] with k = H * W. */
export function repeatEach(atoms: Int32Array, k: number): Int32Array {
  const out = new Int32Array(atoms.length * k);
  for (let i = 0; i < atoms.length; i++) out.fill(atoms[i]!, i * k, (i + 1) * k);
  return out;
}

/** The positions `k` times over: Flatten of [N, H, W, C] (channels last) with k = H * W. */
export function tile(atoms: Int32Array, k: number): Int32Array {
  const out = new Int32Array(atoms.length * k);
  for (let i = 0; i < k; i++) out.set(atoms, i * atoms.length);
  return out;
}

/** Positions of the inputs one after another: Concat on the channel axis. */
export function concatAtoms(parts: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

/** Positions [start, end): Slice or one output of Split on the channel axis. */
export function sliceAtoms(atoms: Int32Array, start: number, end: number): Int32Array {
  return atoms.slice(start, end);
}

/** The positions whose atom survives, in order: the indices surgery keeps along that axis. */
export function keptPositions(atoms: Int32Array, survives: (atom: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < atoms.length; i++) if (survives(atoms[i]!)) out.push(i);
  return out;
}

/** How many of the positions in [start, end) survive (a Slice's new bounds). */
export function countKept(atoms: Int32Array, survives: (atom: number) => boolean, start = 0, end = atoms.length): number {
  let n = 0;
  for (let i = start; i < end; i++) if (survives(atoms[i]!)) n++;
  return n;
}
