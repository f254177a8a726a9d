import { clone, copyInto, detach, keep, noGrad, tidy, type Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';

/** Copies of a graph's params and buffers by name (constants are never trained), e.g. to restore the best epoch. */
export type Snapshot = Map<string, Tensor>;

export function snapshot(g: Graph): Snapshot {
  return copyNamed([...g.initializers].filter(([, init]) => init.kind !== 'constant').map(([name, init]) => [name, init.tensor]));
}

/** Copies of named tensors (detached, kept). */
export function copyNamed(entries: Iterable<[string, Tensor]>): Snapshot {
  return noGrad(() => {
    const m: Snapshot = new Map();
    for (const [name, t] of entries) m.set(name, tidy(() => keep(clone(detach(t)))));
    return m;
  });
}

/** Writes a snapshot's values back into the graph's tensors, in place. */
export function restore(g: Graph, snap: Snapshot): void {
  noGrad(() => {
    for (const [name, t] of snap) copyInto(g.initializers.get(name)!.tensor, t);
  });
}

export function disposeSnapshot(snap: Snapshot | null): void {
  if (snap) for (const t of snap.values()) t.dispose();
}
