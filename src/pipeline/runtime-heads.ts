import { noGrad, tensor, tidy } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { batchOnDevice, labelsOf } from '../distill/index.js';
import { BatchLoader, prefetchEpoch, type Dataset, type Split } from '../data/index.js';
import { TASKS, scoresWithLabels, type Head, type HeadMetrics } from '../task/index.js';
import type { RuntimeSession } from '../runtime/index.js';
import { batchFeeds } from './runtime-data.js';

/**
 * Each head's metrics for a model run in a runtime, on a split: its outputs' fidelity to `reference`'s (another
 * session of the same runtime on the same batches; the model itself when null, which gives 1s) and, where the labels
 * score a head, its task metrics against them. The heads are read at the model's outputs (after a final Softmax or
 * Sigmoid, which the runtime's outputs include), as the meters of measureHeads read them on whittle's engine.
 * `referenceHeads` name the reference's outputs where they differ from the model's.
 */
export async function runtimeHeadMetrics(model: RuntimeSession, reference: RuntimeSession | null, g: Graph, ds: Dataset, split: Split['name'], heads: readonly Head[], referenceHeads: readonly Head[] = heads, batchSize = 256): Promise<HeadMetrics[]> {
  const meters = heads.map((h) => TASKS[h.task].meter(h));
  const loader = BatchLoader.of(ds, split, { batchSize, shuffle: false, augment: null });
  const names = heads.map((h) => h.output);
  const refNames = referenceHeads.map((h) => h.output);
  const parts: Float64Array[][] = [];
  for await (const b of prefetchEpoch(loader)) {
    if (b.n === 0) continue;
    const feeds = batchFeeds(g, b);
    const out = await model.run(feeds, names);
    const ref = reference ? await reference.run(feeds, refNames) : out;
    parts.push(noGrad(() => tidy(() => {
      const { y, target } = batchOnDevice(b, 'cpu');
      const asTensor = (r: typeof out, name: string) => {
        const v = r[name]!;
        if (!(v.data instanceof Float32Array)) throw new Error(`the output '${name}' is not float32`);
        return tensor(v.data, [...v.dims], 'float32');
      };
      return meters.map((m, i) => m.part(asTensor(out, names[i]!), asTensor(ref, reference ? refNames[i]! : names[i]!), scoresWithLabels(heads[i]!) ? labelsOf(heads[i]!, y, target) : null));
    })));
  }
  return meters.map((m, i) => m.result(parts.map((p) => p[i]!)));
}
