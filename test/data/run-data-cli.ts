import { Command } from 'commander';
import { registerData } from '../../src/cli/commands/data.js';
import { reportError } from '../../src/cli/errors.js';

/** Runs `whittle data …` in-process; returns the exit code and what went to stdout/stderr. */
export async function whittle(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const p = new Command('whittle').exitOverride().configureOutput({ writeErr: (s) => void err.push(s), writeOut: (s) => void out.push(s) });
    registerData(p);
    await p.parseAsync(['node', 'whittle', 'data', ...args]);
    return { code: 0, out, err };
  } catch (e) {
    return { code: reportError(e), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}
