import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { decodeModel, num, DataType } from '../onnx/index.js';
import { byOpType, cpuFeatures, runtimeNamed, timeRuns, type CpuFeatures, type RuntimeName, type RuntimeTensor } from '../runtime/index.js';
import { ConfigError } from '../errors.js';

/** Profiled runs: each node's median time over them makes the op-type breakdown. */
const PROFILED_RUNS = 20;

export type ProfileReport = {
  runtime: RuntimeName;
  batch: number;
  threads: number;
  input: { name: string; dims: number[]; type: 'float32' | 'uint8' };
  /** Latency over the timed runs: median and 90th percentile, ms. */
  medianMs: number;
  p90Ms: number;
  runs: number;
  /** How far the last round medians lay apart, relative (timing stops under 0.03, or after maxSeconds). */
  spread: number;
  /** Time per run by op type from the runtime's profiler, largest first: ms (each node's median over 20 profiled
   * runs, summed), share of the nodes' time, and nodes; null where the runtime gives no per-node profile. */
  opTypes: { opType: string; ms: number; share: number; count: number }[] | null;
  cpu: CpuFeatures;
};

/** The model's one input with the batch set: its name, dims and element type (read from the file, not imported). */
function inputOf(bytes: Uint8Array, source: string, batch: number): ProfileReport['input'] {
  const g = decodeModel(bytes, source).graph;
  const inits = new Set(g?.initializer.map((t) => t.name));
  const inputs = (g?.input ?? []).filter((v) => !inits.has(v.name));
  if (inputs.length !== 1) throw new ConfigError('model', `${source}: profile times models with one input; this one has ${inputs.length}`);
  const v = inputs[0]!;
  const tt = v.type?.tensorType;
  const type = tt?.elemType === DataType.FLOAT ? 'float32' : tt?.elemType === DataType.UINT8 ? 'uint8' : null;
  if (!tt || !type) throw new ConfigError('model', `${source}: input '${v.name}' is not a float32 or uint8 tensor`);
  const dims = (tt.shape?.dim ?? []).map((d, k) => {
    if (k === 0) return batch;
    if (d.value === 'dimValue' || (d.dimValue !== undefined && d.dimValue !== null)) return num(d.dimValue!);
    throw new ConfigError('model', `${source}: input '${v.name}' has a symbolic dimension ${k} ('${d.dimParam ?? '?'}'); profile needs every dimension but the batch fixed`);
  });
  return { name: v.name, dims, type };
}

/** Random input in [0, 1) (0-255 for uint8), from a fixed seed. */
function randomInput(i: ProfileReport['input']): RuntimeTensor {
  const n = i.dims.reduce((a, b) => a * b, 1);
  let s = 12345;
  const next = (): number => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return { data: i.type === 'uint8' ? Uint8Array.from({ length: n }, () => Math.floor(256 * next())) : Float32Array.from({ length: n }, next), dims: i.dims };
}

/**
 * Latency of an ONNX model in a runtime at a batch size and thread count (median and p90 over enough runs for a spread
 * under 3%), the time by op type from the runtime's profiler, and the CPU features int8 and bf16 kernels use.
 */
export async function profileModel(path: string, o: { runtime: RuntimeName; batch: number; threads: number; maxSeconds: number }): Promise<ProfileReport> {
  const rt = runtimeNamed(o.runtime);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ConfigError('model', `${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read (${(e as Error).message})`}`);
  }
  const input = inputOf(bytes, basename(path), o.batch);
  const feeds = { [input.name]: randomInput(input) };
  const s = await rt.open(bytes, { threads: o.threads });
  let t;
  try {
    t = await timeRuns({ session: s, feeds }, { maxSeconds: o.maxSeconds });
  } finally {
    await s.release();
  }
  const p = await rt.open(bytes, { threads: o.threads, profile: true });
  let opTypes: ProfileReport['opTypes'] = null;
  try {
    for (let i = 0; i <= PROFILED_RUNS; i++) await p.run(feeds);
    const nodes = await p.endProfiling();
    if (nodes && nodes.length) {
      const kinds = byOpType(nodes);
      const total = kinds.reduce((a, k) => a + k.micros, 0);
      opTypes = kinds.map((k) => ({ opType: k.opType, ms: k.micros / 1000, share: total ? k.micros / total : 0, count: k.count }));
    }
  } finally {
    await p.release();
  }
  return { runtime: o.runtime, batch: o.batch, threads: o.threads, input, medianMs: t.medianMs, p90Ms: t.p90Ms, runs: t.runs, spread: t.spread, opTypes, cpu: cpuFeatures() };
}
