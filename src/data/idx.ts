import { DatasetError } from '../errors.js';
import type { ImageStore } from './dataset.js';
import { readDataFile } from './read-file.js';

const TYPE_NAMES: Record<number, string> = { 0x08: 'uint8', 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

/** A parsed IDX file: its dims and its uint8 payload (a view into the file buffer, not a copy). */
export interface IdxArray {
  readonly dims: number[];
  readonly data: Uint8Array;
}

/** Parses an IDX buffer (LeCun's MNIST format); only unsigned-byte payloads are accepted. */
export function parseIdx(buf: Uint8Array, path: string): IdxArray {
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) {
    const got = Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DatasetError(path, `not an IDX file: wrong magic (expected 00 00 <type> <ndim> vs got ${got || 'an empty file'})`);
  }
  const type = buf[2]!;
  const ndim = buf[3]!;
  if (type !== 0x08) {
    const name = TYPE_NAMES[type];
    throw new DatasetError(path, name ? `IDX element type ${name} is not supported (expected uint8)` : `not an IDX file: unknown element type 0x${type.toString(16)}`);
  }
  if (ndim === 0) throw new DatasetError(path, 'IDX file declares zero dimensions');
  const headerLen = 4 + 4 * ndim;
  if (buf.length < headerLen) throw new DatasetError(path, `truncated IDX header (${headerLen} bytes expected, ${buf.length} present)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const need = dims.reduce((a, b) => a * b, 1);
  const have = buf.length - headerLen;
  if (have < need) throw new DatasetError(path, `truncated: header [${dims.join(', ')}] needs ${need} data bytes, file has ${have}`);
  if (have > need) throw new DatasetError(path, `${have - need} unexpected trailing bytes after the [${dims.join(', ')}] payload`);
  return { dims, data: buf.subarray(headerLen, headerLen + need) };
}

/** Reads an IDX image file (N, H, W) of uint8 pixels, plain or gzipped. */
export function readIdxImages(path: string): { pixels: Uint8Array; count: number; height: number; width: number } {
  const a = parseIdx(readDataFile(path), path);
  if (a.dims.length !== 3) throw new DatasetError(path, `IDX images must have 3 dims (N, H, W), got [${a.dims.join(', ')}]`);
  const [count, height, width] = a.dims as [number, number, number];
  return { pixels: a.data, count, height, width };
}

/** Reads an IDX label file (N) of uint8 class ids, plain or gzipped. */
export function readIdxLabels(path: string): Int32Array {
  const a = parseIdx(readDataFile(path), path);
  if (a.dims.length !== 1) throw new DatasetError(path, `IDX labels must have 1 dim (N), got [${a.dims.join(', ')}]`);
  return Int32Array.from(a.data);
}

/** Reads an image file and its label file into one store; the counts must agree. */
export function readIdxPair(imagesPath: string, labelsPath: string): ImageStore {
  const img = readIdxImages(imagesPath);
  const labels = readIdxLabels(labelsPath);
  if (labels.length !== img.count) {
    throw new DatasetError(labelsPath, `image/label count mismatch (${img.count} images in ${imagesPath} vs ${labels.length} labels)`);
  }
  return { pixels: img.pixels, labels, count: img.count, shape: [1, img.height, img.width] };
}
