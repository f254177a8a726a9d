import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { objectOf, type CheckedOf, type Spec } from './option.js';

/** How errors name an option and show the value it got: by API name, by flag, or by config key. */
export interface Naming {
  name(key: string): string;
  /** The value as the user wrote it (a flag's text), when it differs from the checked value. */
  written?(key: string): unknown;
}

/** API calls: options named as in the call. */
export const apiNaming: Naming = { name: (key) => key };

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** The known name closest to `key`, when it is close. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const best = known.map((k) => [k, distance(key.toLowerCase(), k.toLowerCase())] as const).sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= Math.max(2, Math.floor(key.length / 3)) ? best[0] : undefined;
}

/** The first problem zod found, as a ConfigError naming the option the way the user set it. */
function toConfigError(spec: Spec, values: Record<string, unknown>, issue: z.core.$ZodIssue, naming: Naming, known: readonly string[]): ConfigError {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const near = nearest(key, known);
    return new ConfigError(naming.name(key), near ? `unknown option (did you mean ${naming.name(near)}?)` : 'unknown option');
  }
  const key = String(issue.path[0] ?? '');
  if (values[key] === undefined && spec[key]) return new ConfigError(naming.name(key), 'is required');
  const written = naming.written?.(key);
  let got: unknown = written !== undefined && issue.path.length === 1 ? written : values[key];
  for (const p of issue.path.slice(1)) got = (got as Record<PropertyKey, unknown> | undefined)?.[p as PropertyKey];
  return new ConfigError(naming.name(key), `${issue.message}, got ${show(got)}`);
}

/** Checks an options object against a spec: unknown keys and bad values are ConfigErrors; defaults are filled in. */
export function checkOptions<D extends Spec>(spec: D, values: unknown, naming: Naming): CheckedOf<D> {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new ConfigError(naming.name('options'), `expected an object, got ${show(values)}`);
  const known = Object.keys(spec);
  const r = objectOf(spec).safeParse(values);
  if (!r.success) throw toConfigError(spec, values as Record<string, unknown>, r.error.issues[0]!, naming, known);
  return defined(r.data) as CheckedOf<D>;
}

/** The object without its undefined entries (for passing checked options on under exactOptionalPropertyTypes). */
function defined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
