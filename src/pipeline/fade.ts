import { mulTensorInto, noGrad, tensor, tidy, toDevice } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { prune, removedSlices, type PruneOptions, type RemovedSlice } from '../prune/index.js';

/**
 * The channels the next step will cut, found by pruning the just-pruned student to the next ratio with the same
 * settings (the graph itself is not changed).
 */
export function nextCut(g: Graph, options: PruneOptions): RemovedSlice[] {
  const r = prune(g, options);
  r.graph.dispose();
  return removedSlices(r.plan);
}

/**
 * Fading out during a step's training: after update t of `total`, the listed channels are multiplied by
 * (total - t) / (total - t + 1), so that with no gradient they would fall linearly to 0 and after the last update
 * they are 0 whatever the gradients did: the next step's cut then removes channels the student no longer uses.
 * A function of (t, total) only, so a resumed step fades as an uninterrupted one.
 */
export function fadeChannels(g: Graph, slices: readonly RemovedSlice[], device: string): (t: number, total: number) => void {
  return (t, total) => {
    const f = Math.max(0, (total - t) / (total - t + 1));
    noGrad(() => tidy(() => {
      for (const s of slices) {
        const w = g.initializers.get(s.init)!.tensor;
        const m = new Float32Array(w.shape[s.axis]!).fill(1);
        for (const i of s.removed) m[i] = f;
        const mask = tensor(m, w.shape.map((d, i) => (i === s.axis ? d : 1)));
        mulTensorInto(w, device === 'cpu' ? mask : toDevice(mask, device));
      }
    }));
  };
}
