import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { DistError, WhittleError } from '../errors.js';

/** A free TCP port on loopback, for the rendezvous of local workers. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export type LaunchOptions = {
  /** The script each worker runs (the CLI), with `args`. */
  script: string;
  args: readonly string[];
  /** The group's timeout; a worker still running min(timeoutMs, STOP_GRACE_MS) after another failed is killed. */
  timeoutMs: number;
  /** Where lines from ranks other than 0 go (stderr only; their stdout is dropped). Default process.stderr. */
  log?: (line: string) => void;
};

/**
 * How long the others may run after a worker failed, to fail at their own next collective and say why. A dead peer
 * usually closes their connections at once, but a worker can also be between collectives (writing a checkpoint)
 * or wait on a peer until the group's timeout; it cannot finish the run either way, so it is then killed. Only
 * rank 0 writes, and every write is atomic, so the last checkpoint stays whole for --resume.
 */
export const STOP_GRACE_MS = 5000;

/** Set in the environment of the workers launchLocal starts, whose stdin is then a pipe from the launcher. */
const LAUNCHED = 'WHITTLE_LAUNCHED';

/**
 * In a worker that launchLocal started: exit as soon as the launcher is gone (its end of the stdin pipe closes),
 * e.g. SIGKILLed, which it cannot pass on. The workers would otherwise finish the run on their own and write the
 * run folder under a `--resume` of it. Every write is atomic, so the last checkpoint stays whole.
 */
export function exitWithLauncher(rank: number): void {
  if (process.env[LAUNCHED] !== '1') return;
  const stdin = process.stdin;
  const gone = (): void => {
    process.stderr.write(`whittle: worker rank ${rank}: the launcher (--nproc) is gone; stopping\n`);
    process.exit(1);
  };
  stdin.on('end', gone).on('error', gone).resume();
  (stdin as unknown as { unref?: () => void }).unref?.();
}

/**
 * Runs `nproc` workers of the same command on this machine, as torchrun does: RANK, WORLD_SIZE, LOCAL_RANK,
 * MASTER_ADDR=127.0.0.1 and a free MASTER_PORT in their environment. Rank 0's output is passed through; the others'
 * stderr is prefixed with their rank. Resolves when all exit 0; if one fails, the others fail at their next
 * collective (or are killed after STOP_GRACE_MS) and it rejects with one DistError naming the first failure. SIGINT
 * and SIGTERM are passed on to the workers, which stop at their next batch; it then rejects with E_ABORTED.
 */
export async function launchLocal(nproc: number, o: LaunchOptions): Promise<void> {
  const port = await freePort();
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const children: ChildProcess[] = [];
  let firstFailure: string | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  const exits = Array.from({ length: nproc }, (_, rank) => new Promise<void>((resolve) => {
    const env = { ...process.env, [LAUNCHED]: '1', RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(nproc), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) };
    // detached: a Ctrl-C at the terminal reaches the launcher only, which passes it on once (a worker that got it
    // twice would die instead of stopping at its next batch); stdin: a pipe whose end tells the worker that the
    // launcher is gone (exitWithLauncher)
    const child = spawn(process.execPath, [o.script, ...o.args], { env, detached: true, stdio: rank === 0 ? ['pipe', 'inherit', 'inherit'] : ['pipe', 'ignore', 'pipe'] });
    children.push(child);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', (l) => log(`[rank ${rank}] ${l}`));
    child.on('exit', (code, signal) => {
      if ((code !== 0 || signal) && firstFailure === null) {
        firstFailure = `worker rank ${rank} ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`;
        // the others usually fail at their next collective; kill any still running after the grace period (not
        // SIGTERM: a worker takes that as a request to stop at its next batch, which one blocked on a peer never reaches)
        killTimer = setTimeout(() => children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')), Math.min(o.timeoutMs, STOP_GRACE_MS));
      }
      resolve();
    });
  }));
  let interrupted = false;
  const forward = (sig: NodeJS.Signals): void => {
    interrupted = true;
    children.forEach((c) => c.exitCode === null && c.kill(sig));
  };
  // workers do not outlive a launcher that exits (or is killed by an uncaught error) first
  const orphans = (): void => forward('SIGTERM');
  process.on('SIGINT', forward).on('SIGTERM', forward).on('exit', orphans);
  try {
    await Promise.all(exits);
  } finally {
    clearTimeout(killTimer);
    process.off('SIGINT', forward).off('SIGTERM', forward).off('exit', orphans);
  }
  if (firstFailure !== null && interrupted) {
    throw new WhittleError('E_ABORTED', `stopped on request: all ${nproc} workers stopped`, { hint: 'continue with --resume RUN_DIR (and the same --nproc)' });
  }
  if (firstFailure !== null) throw new DistError(`${firstFailure}; the run stopped on all ${nproc} workers`, 'restart with --resume to continue from the last checkpoint');
}
