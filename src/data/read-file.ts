import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from '../errors.js';

/** Reads a whole data file, gunzipping it when it starts with the gzip magic (whatever its name says). */
export function readDataFile(path: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DatasetError(path, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? (e as Error).message})`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (e) {
      throw new DatasetError(path, `corrupt or truncated gzip data (${(e as Error).message})`);
    }
  }
  return buf;
}

/** The first of `names` (each tried as is and with .gz) that exists in `dir`, or undefined. */
export function findFile(dir: string, names: readonly string[]): string | undefined {
  for (const n of names) {
    for (const p of [`${dir}/${n}`, `${dir}/${n}.gz`]) if (existsSync(p)) return p;
  }
  return undefined;
}
