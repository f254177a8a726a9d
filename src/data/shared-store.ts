import { isTensorStore, type SampleArray, type SampleStore, type TensorColumn } from './dataset.js';

/** True when the store's values live in SharedArrayBuffers, so worker threads can read them without a copy. */
export function isShared(store: SampleStore): boolean {
  if (isTensorStore(store)) return store.inputs.every((c) => c.data.buffer instanceof SharedArrayBuffer);
  return store.pixels.buffer instanceof SharedArrayBuffer;
}

/** A typed array's values moved into a SharedArrayBuffer (one copy). */
function shared<T extends SampleArray>(src: T): T {
  if (src.buffer instanceof SharedArrayBuffer) return src;
  const Ctor = src.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(src.byteLength));
  (out as Uint8Array).set(src as unknown as Uint8Array);
  return out;
}

const sharedColumn = (c: TensorColumn): TensorColumn => ({ ...c, data: shared(c.data) });

/** The same store with its pixels and masks (or its tensors) moved into SharedArrayBuffers (the old buffers can then be freed). */
export function toSharedStore<S extends SampleStore>(store: S): S {
  if (isShared(store)) return store;
  if (isTensorStore(store)) return { ...store, inputs: store.inputs.map(sharedColumn), ...(store.targets ? { targets: sharedColumn(store.targets) } : {}) };
  return { ...store, pixels: shared(store.pixels), ...(store.masks ? { masks: shared(store.masks) } : {}) };
}
