import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export type CliResult = { status: number; stdout: string; stderr: string; lastJson: () => Record<string, unknown> };

/** Runs bin/whittle.js with args in a child process. */
export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'whittle.js'), ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env } });
  return {
    status: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    lastJson: () => JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>,
  };
}
