import { keep, tidy } from '../tensor/index.js';
import { mapInput, type ModelInput } from '../exec/index.js';
import { BatchLoader, type Dataset } from '../data/index.js';
import { batchOnDevice } from './evaluate.js';

/**
 * The first `count` batches of a seeded shuffle of the training split, without augmentation, as input tensors on the
 * device (channels-last, as the trainer feeds them): what calibrations before training look at (BatchNorm statistics,
 * hint adapters). The caller disposes them.
 */
export function sampleTrainBatches(ds: Dataset, o: { count: number; batchSize: number; seed: number; device: string }): ModelInput[] {
  const loader = BatchLoader.of(ds, 'train', { batchSize: o.batchSize, seed: o.seed, augment: null, shuffle: true });
  const n = Math.min(o.count, loader.batchesPerEpoch);
  return Array.from({ length: n }, (_, i) => tidy(() => mapInput(batchOnDevice(loader.batchAt(0, i), o.device).x, keep)));
}
