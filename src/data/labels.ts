import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';

/** Throws a DatasetError naming `path` if any label lies outside [0, numClasses). */
export function checkLabels(labels: Int32Array, numClasses: number, path: string): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v < 0 || v >= numClasses) {
      throw new DatasetError(path, `label ${v} at row ${i} out of range [0, ${numClasses})`);
    }
  }
}

/** The largest label plus one (0 for no labels). */
export function classCount(...labelSets: Int32Array[]): number {
  let max = -1;
  for (const ls of labelSets) for (let i = 0; i < ls.length; i++) if (ls[i]! > max) max = ls[i]!;
  return max + 1;
}

/** Class names from DIR/classes.txt (one per line) when present, else undefined. */
export function readClassNames(dir: string): string[] | undefined {
  const p = join(dir, 'classes.txt');
  if (!existsSync(p)) return undefined;
  const names = readFileSync(p, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new DatasetError(p, 'lists no class names');
  return names;
}

/** Class names for labels 0..n-1 when the source names none: the numbers themselves. */
export function numberedClasses(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String(i));
}
