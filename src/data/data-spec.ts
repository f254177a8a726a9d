import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { BUILTINS } from './builtin.js';

/** A parsed `--data SPEC`: a built-in name, or a format with a directory. */
export type DataSpec =
  | { readonly kind: 'builtin'; readonly name: string }
  | { readonly kind: 'idx' | 'cifar' | 'npy' | 'folder'; readonly dir: string };

const FORMATS = ['idx', 'cifar', 'npy', 'folder'] as const;
const USAGE = 'use mnist, fashion-mnist, mnist-seg, idx:DIR, cifar:DIR, npy:DIR or folder:DIR';

/** Parses a data spec string (`mnist`, `fashion-mnist`, `mnist-seg`, `idx:DIR`, `cifar:DIR`, `npy:DIR`, `folder:DIR`); DIR is resolved against the cwd. */
export function parseDataSpec(spec: string): DataSpec {
  const s = spec.trim();
  if (Object.hasOwn(BUILTINS, s)) return { kind: 'builtin', name: s };
  const colon = s.indexOf(':');
  if (colon < 0) throw new ConfigError('data', `unknown dataset "${spec}"`, USAGE);
  const kind = s.slice(0, colon);
  const dir = s.slice(colon + 1);
  if (!(FORMATS as readonly string[]).includes(kind)) throw new ConfigError('data', `unknown data format "${kind}" in "${spec}"`, USAGE);
  if (dir.length === 0) throw new ConfigError('data', `"${spec}" names no directory`, USAGE);
  return { kind: kind as (typeof FORMATS)[number], dir: resolve(dir) };
}

/** The spec written back as a string. */
export function formatDataSpec(s: DataSpec): string {
  return s.kind === 'builtin' ? s.name : `${s.kind}:${s.dir}`;
}
