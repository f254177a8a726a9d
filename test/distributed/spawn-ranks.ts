import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { freePort } from '../../src/distributed/index.js';

const here = dirname(fileURLToPath(import.meta.url));

export type RankResult = { code: number | null; out: Record<string, unknown>; stderr: string };

/** Runs `script` (a file beside this one) once per rank in `ranks`, with args (rank, port) appended, and collects each one's last JSON line. */
export async function spawnRanks(script: string, ranks: readonly number[], args: (rank: number, port: number) => string[], env: Record<string, string> = {}): Promise<RankResult[]> {
  const port = await freePort();
  return Promise.all(ranks.map((rank) => new Promise<RankResult>((resolve, reject) => {
    const p = spawn(process.execPath, [join(here, script), ...args(rank, port)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      let out: Record<string, unknown> = {};
      try {
        out = JSON.parse(last) as Record<string, unknown>;
      } catch {
        out = { unparsed: stdout };
      }
      resolve({ code, out, stderr });
    });
  })));
}
