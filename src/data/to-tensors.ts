import { cast, tensor, type Tensor } from '../tensor/index.js';
import type { Batch, BatchTensor } from './batch-loader.js';

/**
 * A batch as engine tensors: `x` the images float32 [N, C, H, W] (a tensor set's first input), `y` the class ids
 * int64 [N], `inputs` a tensor set's inputs by name in order (x among them), `target` the masks as int64 [N, H, W]
 * (what per-pixel cross-entropy takes) or the regression targets. The caller disposes them all (or uses tidy).
 */
export function toTensors(batch: Batch): { x: Tensor; y: Tensor; inputs?: Record<string, Tensor>; target?: Tensor } {
  const made: Tensor[] = [];
  const keep = (t: Tensor): Tensor => {
    made.push(t);
    return t;
  };
  try {
    const y64 = batch.y instanceof BigInt64Array ? batch.y : BigInt64Array.from(batch.y, (v) => BigInt(v));
    const inputs = batch.inputs?.map((t) => [t.name, keep(fromBatch(t))] as const);
    const x = inputs?.[0]?.[1] ?? keep(tensor(batch.x, batch.shape, 'float32'));
    const y = keep(tensor(y64, [batch.n], 'int64'));
    const target = batch.target ? keep(targetTensor(batch.target)) : undefined;
    return { x, y, ...(inputs ? { inputs: Object.fromEntries(inputs) } : {}), ...(target ? { target } : {}) };
  } catch (e) {
    for (const t of made) t.dispose();
    throw e;
  }
}

function fromBatch(t: BatchTensor): Tensor {
  return tensor(t.data, t.shape, t.dtype);
}

function targetTensor(t: BatchTensor): Tensor {
  if (t.dtype !== 'uint8') return fromBatch(t);
  const u8 = fromBatch(t);
  try {
    return cast(u8, 'int64');
  } finally {
    u8.dispose();
  }
}
