/** Datasets and the input pipeline: readers for built-in and user formats, splits, normalisation, augmentation, batches. */
export type { Dataset, Split, ImageStore, ImageShape, PixelType, AugmentOptions, RawDataset } from './dataset.js';
export { parseDataSpec, formatDataSpec, type DataSpec } from './data-spec.js';
export { openDataset, DEFAULT_SEED, DEFAULT_IMAGE_SIZE, type OpenDatasetOptions } from './open-dataset.js';
export { BUILTINS, FASHION_MNIST_DIR, type BuiltinDataset } from './builtin.js';
export { defaultValSize, makeSplits, type SplitOptions } from './splits.js';
export { channelStats } from './stats.js';
export { convertChannels, isColorChannels, type ColorChannels } from './channels.js';
export { resizeStore } from './resize.js';
export { BatchLoader, type Batch, type LoaderState, type LoaderOptions, type LoaderSource } from './batch-loader.js';
export { prefetchEpoch, DEFAULT_PREFETCH } from './prefetch.js';
export { WorkerPool } from './worker-pool.js';
export { isShared, toSharedStore } from './shared-store.js';
export { toTensors } from './to-tensors.js';
export { writeContactSheet, type ContactSheetOptions } from './contact-sheet.js';
export { parseIdx, readIdxImages, readIdxLabels } from './idx.js';
export { parseNpy, npyBytes } from './npy.js';
export { parseNpyTyped, NUMPY_NAMES, type TypedNpy } from './npy-typed.js';
export { mulberry32, mixSeed, permutation } from './prng.js';
