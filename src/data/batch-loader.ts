import { ConfigError } from '../errors.js';
import { augmentMask, augmentPlaneF32, augmentPlaneU8, drawAugment } from './augment.js';
import { IGNORE_INDEX, isTensorStore, rowSize, type AugmentOptions, type Dataset, type ImageStore, type SampleArray, type SampleDType, type Split, type TensorColumn, type TensorStore } from './dataset.js';
import { mixSeed, mulberry32, permutation, STREAM } from './prng.js';

/** One tensor of a batch: `shape` with N first, `data` in the typed array of its dtype (bool as bytes 0/1). */
export interface BatchTensor {
  readonly name: string;
  readonly dtype: SampleDType;
  readonly shape: readonly number[];
  readonly data: SampleArray;
}

/**
 * One batch as plain arrays: x is N*C*H*W normalised float32 (NCHW), y the N class ids (-1 for rows without one).
 * A tensor set's batch has its inputs in `inputs` (each in its own dtype: int64 token ids stay int64), an empty x
 * and shape [N, 0, 0, 0]. `target` holds masks (uint8 [N, H, W], moved with their images by augmentation) or the
 * tensors to regress (float32 [N, ...]).
 */
export interface Batch {
  readonly x: Float32Array;
  readonly y: Int32Array | BigInt64Array;
  readonly n: number;
  /** [N, C, H, W] of x. */
  readonly shape: [number, number, number, number];
  readonly inputs?: readonly BatchTensor[];
  readonly target?: BatchTensor;
}

/** Where a loader stands: the next batch it gives is batch `batch` of epoch `epoch`. Plain JSON, saved in checkpoints. */
export interface LoaderState {
  readonly split: string;
  readonly seed: number;
  readonly epoch: number;
  readonly batch: number;
  /** Checked on restore, so a state is never applied to a different split or batch size. */
  readonly size: number;
  readonly batchSize: number;
}

/** How batches are drawn from a split. */
export interface LoaderOptions {
  readonly batchSize: number;
  /** Reorder rows each epoch with a seeded permutation; default true for train, false otherwise. */
  readonly shuffle?: boolean;
  /** Augmentation, or null for none; default the dataset's defaultAugment on train and none elsewhere. */
  readonly augment?: AugmentOptions | null;
  /** Leave out a final partial batch; default false. */
  readonly dropLast?: boolean;
  /** Default the dataset's seed. */
  readonly seed?: number;
  /** Label array type; default 'int64' (what cross-entropy takes). */
  readonly labelType?: 'int32' | 'int64';
  /**
   * Data parallelism: each batch of batchSize rows (the global batch) is cut into worldSize contiguous shards and
   * this loader builds shard `rank`, so the ranks together see exactly the batches one process would.
   */
  readonly shard?: { readonly rank: number; readonly worldSize: number };
}

/** Normalisation and augmentation settings a loader needs from its dataset. */
export interface LoaderSource {
  readonly split: Split;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly defaultAugment: AugmentOptions | null;
  readonly seed: number;
}

/**
 * Deterministic batches of one split: batch b of epoch e depends only on (seed, e, b), so a loader restored from
 * a saved state gives exactly the batches the original would have given next.
 */
export class BatchLoader {
  readonly split: Split;
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly augment: AugmentOptions | null;
  readonly dropLast: boolean;
  readonly labelType: 'int32' | 'int64';
  readonly shard: { readonly rank: number; readonly worldSize: number };
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly #scale: Float32Array;
  readonly #bias: Float32Array;
  readonly #luts: Float32Array[];
  #epoch = 0;
  #batch = 0;
  #orderEpoch = -1;
  #order: Uint32Array = new Uint32Array(0);

  constructor(src: LoaderSource, o: LoaderOptions) {
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new ConfigError('batchSize', `must be a whole number >= 1, got ${o.batchSize}`);
    const store = src.split.store;
    const C = isTensorStore(store) ? 0 : store.shape[0];
    if (src.mean.length !== C || src.std.length !== C) throw new ConfigError('mean/std', `need ${C} values per channel, got ${src.mean.length} and ${src.std.length}`);
    this.split = src.split;
    this.mean = [...src.mean];
    this.std = [...src.std];
    this.batchSize = o.batchSize;
    this.seed = o.seed ?? src.seed;
    const isTrain = src.split.name === 'train';
    this.shuffle = o.shuffle ?? isTrain;
    this.augment = o.augment !== undefined ? o.augment : isTrain ? src.defaultAugment : null;
    if (this.augment !== null && isTensorStore(store)) throw new ConfigError('augment', 'the data are tensors, not images: they have no random crop or flip', 'leave augmentation off for npy: tensor sets');
    this.dropLast = o.dropLast ?? false;
    this.labelType = o.labelType ?? 'int64';
    this.shard = o.shard ?? { rank: 0, worldSize: 1 };
    const { rank, worldSize } = this.shard;
    if (!Number.isInteger(worldSize) || worldSize < 1 || !Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
      throw new ConfigError('shard', `need whole numbers 0 <= rank < worldSize, got rank ${rank} of ${worldSize}`);
    }
    const n = src.split.indices.length;
    this.batchesPerEpoch = this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    // x = (v * k - mean) / std, with k = 1/255 for uint8: one multiply-add per pixel, or one table lookup.
    const k = !isTensorStore(store) && store.pixels instanceof Uint8Array ? 1 / 255 : 1;
    this.#scale = Float32Array.from(src.std, (s) => k / s);
    this.#bias = Float32Array.from(src.mean, (m, c) => -m / src.std[c]!);
    this.#luts = k === 1 ? [] : Array.from({ length: C }, (_, c) => Float32Array.from({ length: 256 }, (_, v) => v * this.#scale[c]! + this.#bias[c]!));
  }

  /** A loader over one split of a dataset, using its normalisation and default augmentation. */
  static of(ds: Dataset, split: Split['name'], o: LoaderOptions): BatchLoader {
    return new BatchLoader({ split: ds[split], mean: ds.mean, std: ds.std, defaultAugment: ds.defaultAugment, seed: ds.seed }, o);
  }

  /** The position as a JSON-able object. */
  state(): LoaderState {
    return { split: this.split.name, seed: this.seed, epoch: this.#epoch, batch: this.#batch, size: this.split.indices.length, batchSize: this.batchSize };
  }

  /** Moves to a saved position; the state must come from a loader over the same split, size, batch size and seed. */
  restore(s: LoaderState): void {
    const want = this.state();
    for (const key of ['split', 'seed', 'size', 'batchSize'] as const) {
      if (s[key] !== want[key]) throw new ConfigError(`loader state.${key}`, `saved ${JSON.stringify(s[key])} does not match this loader's ${JSON.stringify(want[key])}`);
    }
    if (!Number.isInteger(s.epoch) || s.epoch < 0) throw new ConfigError('loader state.epoch', `must be a whole number >= 0, got ${s.epoch}`);
    if (!Number.isInteger(s.batch) || s.batch < 0 || (s.batch >= this.batchesPerEpoch && s.batch !== 0)) {
      throw new ConfigError('loader state.batch', `must be in [0, ${this.batchesPerEpoch}), got ${s.batch}`);
    }
    this.seek(s.epoch, s.batch);
  }

  /** Sets the position to batch `batch` of epoch `epoch` (the end of an epoch is the start of the next). */
  seek(epoch: number, batch: number): void {
    if (batch >= this.batchesPerEpoch) {
      this.#epoch = epoch + 1;
      this.#batch = 0;
    } else {
      this.#epoch = epoch;
      this.#batch = batch;
    }
  }

  /** The epoch the next batch belongs to. */
  get epochIndex(): number {
    return this.#epoch;
  }

  /** The index within its epoch of the next batch. */
  get batchIndex(): number {
    return this.#batch;
  }

  /** Row order of an epoch: positions into split.indices. */
  order(epoch: number): Uint32Array {
    if (this.#orderEpoch !== epoch) {
      const n = this.split.indices.length;
      this.#order = this.shuffle ? permutation(n, mulberry32(mixSeed(this.seed, STREAM.epoch, epoch))) : Uint32Array.from({ length: n }, (_, i) => i);
      this.#orderEpoch = epoch;
    }
    return this.#order;
  }

  /** Rows of the whole (global) batch `index`: batchSize, or fewer for a final partial batch. */
  globalRows(index: number): number {
    return Math.min(this.batchSize, this.split.indices.length - index * this.batchSize);
  }

  /** Positions (into split.indices) of this loader's shard of batch `index` of epoch `epoch`. */
  rowsAt(epoch: number, index: number): Uint32Array {
    const { start, n } = this.#shardRange(index);
    return this.order(epoch).subarray(start, start + n);
  }

  /** Where this loader's shard of batch `index` starts within the whole (global) batch. */
  shardOffset(index: number): number {
    return this.#shardRange(index).start - index * this.batchSize;
  }

  #shardRange(index: number): { start: number; n: number } {
    const g = this.globalRows(index);
    const { rank, worldSize } = this.shard;
    const lo = Math.floor((rank * g) / worldSize);
    return { start: index * this.batchSize + lo, n: Math.floor(((rank + 1) * g) / worldSize) - lo };
  }

  /** Builds batch `index` of epoch `epoch` (this loader's shard of it) without moving the position. */
  batchAt(epoch: number, index: number): Batch {
    if (index < 0 || index >= this.batchesPerEpoch) throw new RangeError(`batch ${index} out of range [0, ${this.batchesPerEpoch})`);
    const order = this.order(epoch);
    const { start, n } = this.#shardRange(index);
    const store = this.split.store;
    const rows = Uint32Array.from({ length: n }, (_, k) => this.split.indices[order[start + k]!]!);
    const y = this.#labels(store.labels, rows);
    if (isTensorStore(store)) return this.#tensorBatch(store, rows, y);
    return this.#imageBatch(store, rows, y, epoch, index, start);
  }

  #labels(labels: Int32Array, rows: Uint32Array): Int32Array | BigInt64Array {
    if (this.labelType === 'int32') return Int32Array.from(rows, (r) => labels[r]!);
    return BigInt64Array.from(rows, (r) => BigInt(labels[r]!));
  }

  /** A tensor set's rows gathered per input, each in its own dtype. */
  #tensorBatch(store: TensorStore, rows: Uint32Array, y: Int32Array | BigInt64Array): Batch {
    const n = rows.length;
    const inputs = store.inputs.map((c) => gather(c, rows));
    return { x: new Float32Array(0), y, n, shape: [n, 0, 0, 0], inputs, ...(store.targets ? { target: gather(store.targets, rows) } : {}) };
  }

  #imageBatch(store: ImageStore, rows: Uint32Array, y: Int32Array | BigInt64Array, epoch: number, index: number, start: number): Batch {
    const n = rows.length;
    const [C, H, W] = store.shape;
    const hw = H * W;
    const per = C * hw;
    const x = new Float32Array(n * per);
    const masks = store.masks;
    const m = masks ? new Uint8Array(n * hw) : null;
    const px = store.pixels;
    const rng = this.augment === null ? null : mulberry32(mixSeed(this.seed, STREAM.augment, epoch, index));
    // A shard draws the augmentations its rows get in the whole batch: skip those of the shards before it.
    if (rng !== null) for (let k = index * this.batchSize; k < start; k++) drawAugment(this.augment, rng);
    for (let k = 0; k < n; k++) {
      const row = rows[k]!;
      const s = row * per;
      const o = k * per;
      if (rng === null) {
        this.#plain(px, s, x, o, C, hw);
        if (m !== null) m.set(masks!.subarray(row * hw, (row + 1) * hw), k * hw);
      } else {
        const d = drawAugment(this.augment, rng);
        // The mask moves with its image; what comes in from the padding is not counted.
        if (m !== null) augmentMask(masks!, row * hw, m, k * hw, H, W, d, IGNORE_INDEX);
        for (let c = 0; c < C; c++) {
          const lut = this.#luts[c];
          const b = this.#bias[c]!;
          // The zero padding is pixel value 0, which normalises to the bias.
          if (lut) augmentPlaneU8(px as Uint8Array, s + c * hw, x, o + c * hw, H, W, d, lut, b);
          else augmentPlaneF32(px as Float32Array, s + c * hw, x, o + c * hw, H, W, d, this.#scale[c]!, b);
        }
      }
    }
    return { x, y, n, shape: [n, C, H, W], ...(m === null ? {} : { target: { name: 'mask', dtype: 'uint8', shape: [n, H, W], data: m } }) };
  }

  // The common path (no augmentation) stays a tight loop without callbacks.
  #plain(px: Uint8Array | Float32Array, s: number, x: Float32Array, o: number, C: number, hw: number): void {
    for (let c = 0; c < C; c++) {
      const so = s + c * hw;
      const oo = o + c * hw;
      const lut = this.#luts[c];
      if (lut) {
        for (let p = 0; p < hw; p++) x[oo + p] = lut[px[so + p]!]!;
      } else {
        const a = this.#scale[c]!;
        const b = this.#bias[c]!;
        for (let p = 0; p < hw; p++) x[oo + p] = px[so + p]! * a + b;
      }
    }
  }

  /** The batch at the position, then advances (into the next epoch after the last batch). */
  next(): Batch {
    if (this.batchesPerEpoch === 0) throw new RangeError(`split ${this.split.name} has no batches`);
    const b = this.batchAt(this.#epoch, this.#batch);
    this.seek(this.#epoch, this.#batch + 1);
    return b;
  }

  /** The remaining batches of the current epoch; the position moves as each one is handed out. */
  *epoch(): Generator<Batch, void, undefined> {
    const e = this.#epoch;
    while (this.#epoch === e && this.batchesPerEpoch > 0) yield this.next();
    if (this.batchesPerEpoch === 0) this.seek(e + 1, 0);
  }
}

/** The rows of a column, in order, as one batch tensor of its dtype. */
function gather(c: TensorColumn, rows: Uint32Array): BatchTensor {
  const per = rowSize(c.shape);
  const Ctor = c.data.constructor as new (n: number) => SampleArray;
  const out = new Ctor(rows.length * per);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    (out as Uint8Array).set((c.data as Uint8Array).subarray(r * per, (r + 1) * per), k * per);
  }
  return { name: c.name, dtype: c.dtype, shape: [rows.length, ...c.shape], data: out };
}
