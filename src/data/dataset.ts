/**
 * The in-memory shapes every loader produces: one sample store per source split, and splits as index views into it.
 * A store holds images (one float input after normalisation, optionally with per-pixel masks) or tensors (one or more
 * named inputs of any dtype and shape, fed as stored); labels are class ids, masks, target tensors or nothing.
 */

/** Element type of stored pixels: uint8 stays uint8 (normalised per batch); float32 as given by .npy files. */
export type PixelType = 'uint8' | 'float32';

/** Image shape as [C, H, W]. */
export type ImageShape = [number, number, number];

/** Element types a tensor set's inputs and targets can hold (those of .npy files the engine takes). */
export type SampleDType = 'float32' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** The typed array of each SampleDType (bool as bytes 0/1). */
export type SampleArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** Mask value of pixels no loss or metric counts (PyTorch's segmentation convention). */
export const IGNORE_INDEX = 255;

/**
 * All images of one source split, held once: `pixels` is N*C*H*W in NCHW order, `labels` has N class ids (-1 for
 * every row of a set without class labels), `masks`, for segmentation, N*H*W class ids (IGNORE_INDEX: not counted).
 */
export interface ImageStore {
  readonly pixels: Uint8Array | Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly shape: ImageShape;
  readonly masks?: Uint8Array;
}

/** One tensor over every row of a store: `shape` is one row's, `data` holds count * prod(shape) values in row order. */
export interface TensorColumn {
  readonly name: string;
  readonly dtype: SampleDType;
  readonly shape: readonly number[];
  readonly data: SampleArray;
}

/**
 * All rows of one source split of a tensor set: its model inputs in order (fed as stored, no normalisation or
 * augmentation), `labels` as in ImageStore, and `targets` (float32) for a set labelled with tensors to regress.
 */
export interface TensorStore {
  readonly inputs: readonly TensorColumn[];
  readonly labels: Int32Array;
  readonly count: number;
  readonly targets?: TensorColumn;
}

/** What a split's rows come from. */
export type SampleStore = ImageStore | TensorStore;

/** True for a store of tensors (not images). */
export function isTensorStore(s: SampleStore): s is TensorStore {
  return 'inputs' in s;
}

/**
 * What each row's label is: a class id (`class`), a mask of class ids over the image (`mask`, [H, W], IGNORE_INDEX
 * not counted), a float tensor to regress (`target`, `shape` one row's), or nothing (`none`: distillation only).
 */
export type LabelInfo =
  | { readonly kind: 'class' }
  | { readonly kind: 'mask'; readonly shape: readonly [number, number] }
  | { readonly kind: 'target'; readonly shape: readonly number[] }
  | { readonly kind: 'none' };

/** The kinds of LabelInfo. */
export type LabelKind = LabelInfo['kind'];

/**
 * One model input a dataset feeds: its name (a set with one input feeds a model's only input whatever its name;
 * several are matched by name), dtype and one row's shape as the model gets them; `image` for normalised images.
 */
export interface InputInfo {
  readonly name: string;
  readonly dtype: SampleDType;
  readonly shape: readonly number[];
  readonly image: boolean;
}

/** The raw result of a reader, before splitting: a train store, a test store (images, or tensors) and the class names. */
export interface RawDataset<S extends SampleStore = ImageStore> {
  readonly train: S;
  readonly test: S;
  /** Class names of `class` and `mask` labels; empty for other sets. */
  readonly classes: string[];
  /** Default: `mask` for image stores with masks, `target` for tensor stores with targets, else `class`, or `none` when the rows' labels are -1. */
  readonly label?: LabelInfo;
  /** Images that could not be decoded and were skipped (folder datasets only). */
  readonly skipped: number;
  readonly warnings: string[];
}

/** A split is a list of rows of a store; train and val share the training store, so nothing is copied. */
export interface Split {
  readonly name: 'train' | 'val' | 'test';
  readonly store: SampleStore;
  readonly indices: Uint32Array;
}

/** Random crop (zero padding of `pad` pixels each side) and horizontal flip, applied per sample (and to its mask). */
export interface AugmentOptions {
  readonly pad: number;
  readonly flip: boolean;
}

/**
 * A dataset ready for training: three splits, class names, per-channel mean/std and the default augmentation.
 * The image fields (shape, pixelType, mean, std, storedChannels) describe images; a tensor set (inputs[0].image
 * false) has shape [0, 0, 0], pixelType 'float32', empty mean and std and no augmentation.
 */
export interface Dataset {
  readonly name: string;
  readonly spec: string;
  /** Names of the classes of `class` and `mask` labels (mask class i is value i); empty for `target` and `none`. */
  readonly classes: string[];
  /** What the rows are labelled with. */
  readonly label: LabelInfo;
  /** The model inputs each row feeds, in order (an image set: one, float32 [C, H, W]). */
  readonly inputs: readonly InputInfo[];
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

/** The name an image set's one input has in Dataset.inputs. */
export const IMAGE_INPUT = 'image';

/** Pixel type of a store. */
export function pixelTypeOf(store: ImageStore): PixelType {
  return store.pixels instanceof Uint8Array ? 'uint8' : 'float32';
}

/** Values per image (C*H*W). */
export function imageSize(shape: ImageShape): number {
  return shape[0] * shape[1] * shape[2];
}

/** Values per row of a tensor of one row's `shape`. */
export function rowSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The store of an image split (a programming error for a tensor set's, which callers check by inputs[0].image). */
export function imageStore(s: SampleStore): ImageStore {
  if (isTensorStore(s)) throw new Error('expected a store of images, got one of tensors');
  return s;
}
