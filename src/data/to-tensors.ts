import { tensor, type Tensor } from '../tensor/index.js';
import type { Batch } from './batch-loader.js';

/** Wraps a batch as engine tensors: x float32 [N, C, H, W] and y int64 [N]. The caller disposes them (or uses tidy). */
export function toTensors(batch: Batch): { x: Tensor; y: Tensor } {
  const y64 = batch.y instanceof BigInt64Array ? batch.y : BigInt64Array.from(batch.y, (v) => BigInt(v));
  const x = tensor(batch.x, batch.shape, 'float32');
  try {
    return { x, y: tensor(y64, [batch.n], 'int64') };
  } catch (e) {
    x.dispose();
    throw e;
  }
}
