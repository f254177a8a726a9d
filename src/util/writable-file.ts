import { existsSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';

/** Checks before any long work that `path` can be written (its folder exists and is writable, it is no folder). */
export function checkWritableFile(flag: string, path: string): string {
  const abs = resolve(path);
  const dir = dirname(abs);
  if (!existsSync(dir)) throw new ConfigError(flag, `folder ${dir} does not exist`, 'create it first or choose another path');
  if (!canMakeIn(dir)) throw new ConfigError(flag, `folder ${dir} is not writable`);
  if (existsSync(abs) && statSync(abs).isDirectory()) throw new ConfigError(flag, `${abs} is a folder; give a file name such as teacher.onnx`);
  return abs;
}

/**
 * Whether a new folder can be made in `dir`, found by making one and removing it: access(W_OK) says yes where the
 * kernel still refuses (as root under /proc), and the run folders and checkpoint folders whittle makes are folders.
 */
export function canMakeIn(dir: string): boolean {
  try {
    rmdirSync(mkdtempSync(join(dir, '.whittle-probe-')));
    return true;
  } catch {
    return false;
  }
}
