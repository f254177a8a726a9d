import { cudaDeviceCount } from '../tensor/index.js';
import { ConfigError } from '../errors.js';

/** Checks that a device ('cpu', 'cuda', 'cuda:N') exists for this libtorch; a ConfigError on 'device' otherwise. */
export function checkDevice(device: string): void {
  const m = /^cuda(?::(\d+))?$/.exec(device);
  if (!m) return;
  const n = cudaDeviceCount();
  if (n === 0) throw new ConfigError('device', 'this libtorch sees no CUDA device', 'build the addon against a CUDA libtorch (LIBTORCH=/path npx whittle setup --force) on a machine with a GPU, or use device cpu');
  if (m[1] !== undefined && Number(m[1]) >= n) throw new ConfigError('device', `cuda:${m[1]} does not exist (${n} CUDA device${n === 1 ? '' : 's'})`);
}
