import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { repoRoot } from './run-peers.js';

/** A long-lived bench process in --serve mode: send a step count, get one JSON line back. */
export class Server {
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;
  readonly #rl: Interface;
  constructor(cmd: string, args: string[]) {
    this.#proc = spawn(cmd, args, { cwd: repoRoot });
    this.#proc.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    this.#rl = createInterface({ input: this.#proc.stdout });
    this.#lines = this.#rl[Symbol.asyncIterator]();
  }
  async next(): Promise<Record<string, number>> {
    const r = await this.#lines.next();
    if (r.done) throw new Error('bench server exited early');
    return JSON.parse(r.value) as Record<string, number>;
  }
  async run(steps: number): Promise<Record<string, number>> {
    this.#proc.stdin.write(`${steps}\n`);
    return this.next();
  }
  close(): void {
    this.#proc.stdin.end();
    this.#rl.close();
  }
}

/**
 * Runs two servers alternately, `rounds` times `steps` steps each, and returns the ratio a/b of each adjacent pair:
 * short interleaved runs see the same machine load, which a long run of each in turn does not.
 */
export async function interleave(a: Server, b: Server, rounds: number, steps: number): Promise<{ a: number[]; b: number[]; ratios: number[]; cpuRatios: number[] }> {
  await a.next();
  await b.next();
  const out = { a: [] as number[], b: [] as number[], ratios: [] as number[], cpuRatios: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const [first, second] = r % 2 ? [b, a] : [a, b];
    const x = await first.run(steps);
    const y = await second.run(steps);
    const ra = (r % 2 ? y : x)['imagesPerSec']!;
    const rb = (r % 2 ? x : y)['imagesPerSec']!;
    out.a.push(ra);
    out.b.push(rb);
    out.ratios.push(ra / rb);
    // the ratio of images per CPU second (b's CPU time over a's for the same images), where both servers report it
    const [ca, cb] = [(r % 2 ? y : x)['cpuSeconds'], (r % 2 ? x : y)['cpuSeconds']];
    if (ca !== undefined && cb !== undefined) out.cpuRatios.push(cb / ca);
  }
  a.close();
  b.close();
  return out;
}
