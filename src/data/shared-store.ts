import type { ImageStore } from './dataset.js';

/** True when the store's pixels live in a SharedArrayBuffer, so worker threads can read them without a copy. */
export function isShared(store: ImageStore): boolean {
  return store.pixels.buffer instanceof SharedArrayBuffer;
}

/** The same store with its pixels moved into a SharedArrayBuffer (one copy; the old buffer can then be freed). */
export function toSharedStore(store: ImageStore): ImageStore {
  if (isShared(store)) return store;
  const src = store.pixels;
  const sab = new SharedArrayBuffer(src.byteLength);
  const pixels = src instanceof Uint8Array ? new Uint8Array(sab) : new Float32Array(sab);
  pixels.set(src as never);
  return { ...store, pixels };
}
