import { existsSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Makes `path` and its missing parents one level at a time: Node's `mkdir(path, { recursive: true })` never returns
 * where a parent cannot be made in a folder that access() calls writable (under /proc, as root). On failure it
 * removes the folders it made and rethrows, so nothing is left half made.
 */
export async function makeFolder(path: string): Promise<void> {
  const missing: string[] = [];
  for (let p = resolve(path); !existsSync(p); p = dirname(p)) missing.unshift(p);
  const made: string[] = [];
  try {
    for (const p of missing) {
      await mkdir(p);
      made.push(p);
    }
  } catch (e) {
    for (const p of made.reverse()) await rmdir(p).catch(() => undefined);
    throw e;
  }
}
