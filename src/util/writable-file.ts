import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';

/** Checks before any long work that `path` can be written (its folder exists and is writable, it is no folder). */
export function checkWritableFile(flag: string, path: string): string {
  const abs = resolve(path);
  const dir = dirname(abs);
  if (!existsSync(dir)) throw new ConfigError(flag, `folder ${dir} does not exist`, 'create it first or choose another path');
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new ConfigError(flag, `folder ${dir} is not writable`);
  }
  if (existsSync(abs) && statSync(abs).isDirectory()) throw new ConfigError(flag, `${abs} is a folder; give a file name such as teacher.onnx`);
  return abs;
}
