import type { Handle } from '../native/index.js';
import type { AnyTypedArray, DType } from './dtype.js';
import { dtypeOfArray } from './dtype.js';
import { engine, guard } from './engine.js';
import { track } from './scope.js';
import { EngineError } from '../errors.js';

// The safety net for tensors dropped without dispose(): their native memory is freed when JS collects them.
const collected = new FinalizationRegistry<Handle>((h) => engine().dispose(h));

/**
 * A libtorch tensor held by handle. Its memory is native: call dispose() (or create it inside tidy()) to free
 * it at once; garbage collection frees forgotten tensors too, but later.
 */
export class Tensor {
  readonly isTensor = true;
  #handle: Handle | null;

  constructor(handle: Handle) {
    this.#handle = handle;
    collected.register(this, handle, this);
    track(this);
  }

  /** The addon handle; throws if the tensor was disposed. */
  get handle(): Handle {
    if (this.#handle === null) throw new EngineError('tensor', 'tensor was disposed and cannot be used again', 'E_ARG');
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#handle === null;
  }

  get shape(): number[] {
    return engine().shape(this.handle);
  }

  get dtype(): DType {
    return engine().info(this.handle).dtype as DType;
  }

  get device(): string {
    return engine().info(this.handle).device;
  }

  get rank(): number {
    return this.shape.length;
  }

  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get requiresGrad(): boolean {
    return engine().info(this.handle).requiresGrad;
  }

  /**
   * The layout libtorch reads from the strides (suggest_memory_format), and so the one an op such as a conv
   * computes in: 'channels_last' only when the strides say so, which a tensor made contiguous in that format does
   * not when dims of size 1 make both layouts contiguous (see clone).
   */
  get memoryFormat(): 'contiguous' | 'channels_last' | 'channels_last_3d' {
    return engine().info(this.handle).memoryFormat;
  }

  /** Marks a leaf tensor as a parameter whose gradient backward() accumulates. */
  set requiresGrad(on: boolean) {
    guard('requiresGrad', () => engine().setRequiresGrad(this.handle, on));
  }

  /** The accumulated gradient, or null; a new Tensor sharing the gradient's storage (dispose it after use). */
  get grad(): Tensor | null {
    const g = guard('grad', () => engine().grad(this.handle));
    return g === null ? null : new Tensor(g);
  }

  set grad(g: Tensor | null) {
    guard('grad', () => engine().setGrad(this.handle, g === null ? null : g.handle));
  }

  /** Name of the autograd node that produced this tensor, or null for a leaf. */
  get gradFn(): string | null {
    return engine().gradFn(this.handle);
  }

  /** Backpropagates from this tensor (a scalar unless `gradient` is given). */
  backward(gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
    guard('backward', () => engine().backward(this.handle, gradient?.handle ?? null, options.retainGraph ?? false));
  }

  /** Copies the values out into a typed array (bool as Uint8Array). */
  data(): AnyTypedArray {
    return guard('data', () => engine().toData(this.handle));
  }

  /** The values as a flat array of numbers (int64 converted with Number()). */
  toArray(): number[] {
    const d = this.data();
    return d instanceof BigInt64Array ? Array.from(d, Number) : Array.from(d);
  }

  /** The value of a one-element tensor. */
  item(): number {
    return Number(guard('item', () => engine().item(this.handle)));
  }

  /** Frees the native memory now. Safe to call twice. */
  dispose(): void {
    if (this.#handle === null) return;
    engine().dispose(this.#handle);
    collected.unregister(this);
    this.#handle = null;
  }

  toString(): string {
    return this.#handle === null ? 'Tensor(disposed)' : `Tensor(${this.dtype}, [${this.shape.join(', ')}], ${this.device})`;
  }
}

/** Creates a tensor holding a copy of `data` with the given shape (dtype inferred from the array unless given). */
export function tensor(data: AnyTypedArray | readonly number[], shape?: readonly number[], dtype?: DType): Tensor {
  let arr: AnyTypedArray;
  if (Array.isArray(data)) {
    arr = dtype === 'int64' ? BigInt64Array.from(data as number[], (v) => BigInt(v)) : dtype === 'int32' ? Int32Array.from(data) : dtype === 'float64' ? Float64Array.from(data) : Float32Array.from(data);
  } else {
    arr = data as AnyTypedArray;
  }
  const d = dtype ?? dtypeOfArray(arr);
  return new Tensor(guard('tensor', () => engine().fromData(arr, shape ?? [arr.length], d)));
}

/** Total tensors alive in the engine (for leak checks). */
export function liveTensors(): number {
  return engine().liveTensors();
}
