import type { Graph } from '../graph/index.js';
import { imageInputShape } from '../exec/index.js';
import { matchInputs, type InputInfo } from '../data/index.js';
import type { RuntimeTensor } from '../runtime/index.js';

/** What a dataset feeds a model, as timing needs it: its image shape [C, H, W] and its inputs. */
export type FedShape = { readonly shape: readonly number[]; readonly inputs: readonly InputInfo[] };

type Data = RuntimeTensor['data'];

/** A row of constant values for a tensor input of `dtype` (1 for integers: a valid token id, a mask that keeps). */
function filled(dtype: string, n: number): Data | null {
  switch (dtype) {
    case 'float32': return new Float32Array(n).fill(0.1);
    case 'int64': return new BigInt64Array(n).fill(1n);
    case 'int32': return new Int32Array(n).fill(1);
    case 'int8': return new Int8Array(n).fill(1);
    case 'uint8': return new Uint8Array(n).fill(1);
    default: return null;
  }
}

/**
 * Feeds of constant values, `batch` rows, for timing a model in a runtime, keyed by the model's input names: images
 * of the dataset's [C, H, W] laid out as the model takes them, or a tensor set's rows for each input; null when an
 * input's dtype has no runtime tensor here (float64, int16, bool).
 */
export function timingFeeds(g: Graph, fed: FedShape, batch = 1): Record<string, RuntimeTensor> | null {
  if (fed.inputs.length === 0 || fed.inputs[0]!.image) {
    const dims = imageInputShape(g, fed.shape, batch);
    const n = dims.reduce((a, b) => a * b, 1);
    const data = g.inputs[0]?.dtype === 'uint8' ? new Uint8Array(n).fill(25) : new Float32Array(n).fill(0.1);
    return { [g.inputs[0]!.name]: { data, dims } };
  }
  const pairs = matchInputs(g.inputs.map((i) => i.name), fed.inputs, 'the data');
  const feeds: Record<string, RuntimeTensor> = {};
  for (const i of g.inputs) {
    const row = fed.inputs.find((d) => d.name === pairs.get(i.name))!;
    const dims = [batch, ...row.shape];
    const data = filled(row.dtype, dims.reduce((a, b) => a * b, 1));
    if (!data) return null;
    feeds[i.name] = { data, dims };
  }
  return feeds;
}
