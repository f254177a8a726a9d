import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from '../errors.js';
import type { Spec } from './option.js';
import { nearest } from './validate.js';

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** A config file's settings: option values by option name, and the key each was written as (for errors). */
export type ConfigValues = { path: string; values: Record<string, unknown>; written: Map<string, string> };

/**
 * Reads a YAML config (whittle.yaml) for a command: keys are the option names (camelCase, or the flag's kebab-case),
 * values as in YAML (numbers, lists) or as a flag's text. An unknown key is a ConfigError naming it and the file.
 */
export function readConfig(path: string, spec: Spec): ConfigValues {
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES') throw new ConfigError('--config', `cannot read ${path} (${err.code})`);
    throw new ConfigError(path, `not valid YAML: ${err.message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return { path, values: {}, written: new Map() };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(path, 'expected a mapping of option names to values (e.g. ratios: [0.5, 0.5])');
  const byName = new Map<string, string>();
  for (const [k, o] of Object.entries(spec)) {
    if (o.cli === false) continue;
    byName.set(k, k);
    for (const a of o.aliases ?? []) byName.set(a, k);
  }
  const values: Record<string, unknown> = {};
  const written = new Map<string, string>();
  for (const [raw, v] of Object.entries(doc as Record<string, unknown>)) {
    const key = byName.get(camel(raw));
    if (key === undefined) {
      const near = nearest(camel(raw), [...byName.keys()]);
      throw new ConfigError(`${path}: ${raw}`, near ? `unknown option (did you mean ${near}?)` : 'unknown option');
    }
    if (written.has(key)) throw new ConfigError(`${path}: ${raw}`, `sets ${key} a second time (as ${written.get(key)} too)`);
    const { fromString: from, arg } = spec[key]!;
    // a list option given one number (std: 0.5) is that one-value list, as on the command line
    values[key] = from && (typeof v === 'string' || (typeof v === 'number' && arg === '<list>')) ? from(String(v)) : v;
    written.set(key, raw);
  }
  return { path, values, written };
}
