// Flag parsers for the bench commands, which are developer tools outside the option specs of src/options.
import { ConfigError } from '../errors.js';

/** Parses 'CxHxW' (e.g. 1x28x28) into [C, H, W]. */
export function parseInputShape(flag: string, v: string): [number, number, number] {
  const parts = v.split('x').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new ConfigError(flag, `expected CxHxW with positive integers (e.g. 1x28x28), got '${v}'`);
  }
  return parts as [number, number, number];
}

/** Parses a positive integer flag. */
export function parsePositiveInt(flag: string, v: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(flag, `expected an integer >= ${min}, got '${v}'`);
  return n;
}

/** Checks that v is one of the allowed values. */
export function parseChoice<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) throw new ConfigError(flag, `expected one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

/** Checks a --device value ('cpu', 'cuda', 'cuda:N') against the devices libtorch sees. */
export function parseDevice(flag: string, v: string, cudaDevices: () => number): string {
  const m = /^(cpu|cuda)(?::(\d+))?$/.exec(v);
  if (!m || (m[1] === 'cpu' && m[2] !== undefined)) throw new ConfigError(flag, `expected cpu, cuda or cuda:N, got '${v}'`);
  if (m[1] === 'cuda') {
    const n = cudaDevices();
    if (n === 0) throw new ConfigError(flag, 'this libtorch sees no CUDA device', 'build the addon against a CUDA libtorch (LIBTORCH=/path npx whittle setup --force) on a machine with a GPU, or use --device cpu');
    if (m[2] !== undefined && Number(m[2]) >= n) throw new ConfigError(flag, `cuda:${m[2]} does not exist (${n} CUDA device${n === 1 ? '' : 's'})`);
  }
  return v;
}

/** Parses comma-separated numbers (e.g. 32,64,128). */
export function parseNumberList(flag: string, v: string): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isFinite(x))) throw new ConfigError(flag, `expected comma-separated numbers, got '${v}'`);
  return xs;
}
