import type { RuntimeSession, RuntimeTensor } from './runtime.js';

/** Latency of one model: median and 90th percentile in milliseconds over `runs` timed runs. `spread` is how far the
 * medians of the last rounds lie apart, relative to their median: timing stopped once it was under the target. */
export type Timing = { medianMs: number; p90Ms: number; runs: number; spread: number };

export type TimingOptions = {
  /** Stop once the last `rounds` round medians lie within this fraction of each other (default 0.03). */
  spread?: number;
  /** Round medians compared (default 5). */
  rounds?: number;
  /** Give up on the spread after this many seconds of timing (default 20); the result says the spread reached. */
  maxSeconds?: number;
};

type Job = { session: RuntimeSession; feeds: Readonly<Record<string, RuntimeTensor>> };

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const median = (xs: readonly number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);

async function timeOnce(j: Job): Promise<number> {
  const t0 = process.hrtime.bigint();
  await j.session.run(j.feeds);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * Times several models side by side: rounds of runs alternate between them (so that a change in the machine's load
 * falls on all alike) until each one's last round medians agree within `spread`, or the time is up. A round is at
 * least 5 runs and about 50 ms per model.
 */
export async function timeAlternating(jobs: readonly Job[], o: TimingOptions = {}): Promise<Timing[]> {
  const { spread = 0.03, rounds = 5, maxSeconds = 20 } = o;
  const perRound: number[] = [];
  for (const j of jobs) {
    const warm: number[] = [];
    for (let i = 0; i < 7; i++) warm.push(await timeOnce(j));
    const t = median(warm.slice(2));
    perRound.push(Math.max(5, Math.min(200, Math.ceil(50 / Math.max(t, 0.01)))));
  }
  const samples = jobs.map((): number[] => []);
  const medians = jobs.map((): number[] => []);
  const deadline = Date.now() + maxSeconds * 1000;
  const spreadOf = (m: readonly number[]): number => {
    const last = m.slice(-rounds);
    return last.length < rounds ? Infinity : (Math.max(...last) - Math.min(...last)) / median(last);
  };
  while (true) {
    for (const [k, j] of jobs.entries()) {
      const round: number[] = [];
      for (let i = 0; i < perRound[k]!; i++) round.push(await timeOnce(j));
      samples[k]!.push(...round);
      medians[k]!.push(median(round));
    }
    if (medians.every((m) => spreadOf(m) <= spread) || Date.now() > deadline) break;
  }
  return samples.map((s, k) => {
    const kept = s.slice(-rounds * perRound[k]!).sort((a, b) => a - b);
    const sp = spreadOf(medians[k]!);
    return { medianMs: quantile(kept, 0.5), p90Ms: quantile(kept, 0.9), runs: kept.length, spread: Number.isFinite(sp) ? sp : 1 };
  });
}

/** Times one model (see timeAlternating). */
export async function timeRuns(job: Job, o: TimingOptions = {}): Promise<Timing> {
  return (await timeAlternating([job], o))[0]!;
}
