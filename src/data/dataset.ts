/** The in-memory shapes every loader produces: one image store per source split, and splits as index views into it. */

/** Element type of stored pixels: uint8 stays uint8 (normalised per batch); float32 as given by .npy files. */
export type PixelType = 'uint8' | 'float32';

/** Image shape as [C, H, W]. */
export type ImageShape = [number, number, number];

/** All images of one source split, held once: `pixels` is N*C*H*W in NCHW order, `labels` has N class ids. */
export interface ImageStore {
  readonly pixels: Uint8Array | Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly shape: ImageShape;
}

/** The raw result of a reader, before splitting: a train store, a test store and the class names. */
export interface RawDataset {
  readonly train: ImageStore;
  readonly test: ImageStore;
  readonly classes: string[];
  /** Images that could not be decoded and were skipped (folder datasets only). */
  readonly skipped: number;
  readonly warnings: string[];
}

/** A split is a list of rows of a store; train and val share the training store, so nothing is copied. */
export interface Split {
  readonly name: 'train' | 'val' | 'test';
  readonly store: ImageStore;
  readonly indices: Uint32Array;
}

/** Random crop (zero padding of `pad` pixels each side) and horizontal flip, applied per sample. */
export interface AugmentOptions {
  readonly pad: number;
  readonly flip: boolean;
}

/** A dataset ready for training: three splits, class names, per-channel mean/std and the default augmentation. */
export interface Dataset {
  readonly name: string;
  readonly spec: string;
  readonly classes: string[];
  readonly shape: ImageShape;
  readonly pixelType: PixelType;
  readonly train: Split;
  readonly val: Split;
  readonly test: Split;
  /** Per channel, in the units the network sees before normalisation (uint8 pixels divided by 255). */
  readonly mean: number[];
  readonly std: number[];
  /**
   * Where mean and std come from: the dataset's known values, its computed statistics, the user, the model's metadata,
   * or the model's 8-bit input (`raw`: mean 0, std 1/255, so it gets the pixels as they are).
   */
  readonly statsSource: 'known' | 'computed' | 'given' | 'model' | 'raw';
  /** Augmentation used when the caller does not choose; null for digit datasets, where a flip changes the class. */
  readonly defaultAugment: AugmentOptions | null;
  readonly seed: number;
  readonly skipped: number;
  readonly warnings: string[];
  /** Channels of the images as stored; `shape[0]` differs when they were converted (grey to RGB or RGB to grey). */
  readonly storedChannels: number;
}

/** Pixel type of a store. */
export function pixelTypeOf(store: ImageStore): PixelType {
  return store.pixels instanceof Uint8Array ? 'uint8' : 'float32';
}

/** Values per image (C*H*W). */
export function imageSize(shape: ImageShape): number {
  return shape[0] * shape[1] * shape[2];
}
