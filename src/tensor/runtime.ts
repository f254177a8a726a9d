import { engine, guard } from './engine.js';
import { Tensor } from './tensor.js';

/** Seeds libtorch's default generator (randn, dropout, randperm...). */
export const manualSeed = (seed: number): void => guard('manualSeed', () => engine().manualSeed(seed));
/** Sets the intra-op thread count libtorch uses. */
export const setNumThreads = (n: number): void => guard('setNumThreads', () => engine().setNumThreads(n));
export const getNumThreads = (): number => engine().getNumThreads();
export const torchVersion = (): string => engine().torchVersion;
/** Number of CUDA devices libtorch sees (0 on a CPU-only build). */
export const cudaDeviceCount = (): number => engine().cudaDeviceCount();

/** Writes named tensors to one file in libtorch's archive format (written to a temp file, then renamed). */
export async function saveTensors(path: string, tensors: Record<string, Tensor>): Promise<void> {
  const { rename } = await import('node:fs/promises');
  const tmp = `${path}.tmp-${process.pid}`;
  const names = Object.keys(tensors);
  guard('saveTensors', () => engine().save(tmp, names, names.map((n) => tensors[n]!.handle)));
  await rename(tmp, path);
}

/** Reads every tensor saved by saveTensors. */
export function loadTensors(path: string): Record<string, Tensor> {
  const e = engine();
  const names = guard('loadTensors', () => e.keys(path));
  const handles = guard('loadTensors', () => e.load(path, names));
  return Object.fromEntries(names.map((n, i) => [n, new Tensor(handles[i]!)]));
}
