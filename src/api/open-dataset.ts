import { openDataset as open, type Dataset, type DataSpec } from '../data/index.js';
import { apiNaming, checkOptions, openDatasetSpec, type DatasetOptions } from '../options/index.js';

/**
 * Opens a dataset by its spec, as the CLI's `--data` takes it: 'mnist', 'fashion-mnist', 'idx:DIR', 'cifar:DIR',
 * 'npy:DIR' or 'folder:DIR' (one sub-folder per class). Reads the images, makes the seeded train/val/test splits and
 * the per-channel normalisation. Plain JS memory: nothing to dispose.
 *
 * @example const ds = await openDataset('folder:./images', { imageSize: 64, valSize: 0.1 });
 */
export async function openDataset(spec: string | DataSpec, options: DatasetOptions = {}): Promise<Dataset> {
  return open(spec, checkOptions(openDatasetSpec, options, apiNaming));
}
