import type * as ort from 'onnxruntime-node';

/** Milliseconds per run of `s` on `x` over `n` runs: wall clock and this process's CPU time. */
export async function timeRuns(s: ort.InferenceSession, x: ort.Tensor, n: number): Promise<{ wall: number; cpu: number }> {
  const feeds = { [s.inputNames[0]!]: x };
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await s.run(feeds);
  const wall = Number(process.hrtime.bigint() - t0) / 1e6 / n;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e3 / n };
}
