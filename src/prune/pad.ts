import { cat, keep, noGrad, tidy, zeros, type Tensor } from '../tensor/index.js';
import { GraphError, type Graph } from '../graph/index.js';
import { inferShapes } from '../exec/index.js';
import type { DependencyGraph } from './dependency-graph.js';
import { groupWidth, type Group } from './group.js';
import { cutsByInit } from './cost-model.js';

/** Zero channels appended to one initializer axis: `from` channels became `to`. */
export type Padding = { readonly init: string; readonly axis: number; readonly from: number; readonly to: number };

/**
 * The channel maps that widening a group appends to, or null when it cannot be widened with zero channels: only a
 * group of plain channels whose every map holds each of its units once and nothing else (no frozen channel, no other
 * group's, no Concat/Split/Slice/Reshape/grouped conv rewrite, no normalisation over the channels).
 */
export function paddableMaps(dg: DependencyGraph, group: Group): number[] | null {
  if (group.kind !== 'channels' || group.frozen > 0 || group.unitSize !== 1) return null;
  const units = new Set(group.units);
  const maps: number[] = [];
  for (const [m, atoms] of dg.maps.entries()) {
    const seen = new Set<number>();
    for (const a of atoms) if (units.has(dg.unitOf[a]!)) seen.add(dg.unitOf[a]!);
    if (!seen.size) continue;
    if (seen.size !== atoms.length || seen.size !== units.size) return null;
    maps.push(m);
  }
  const touched = new Set(maps);
  const rewritten = dg.rewrites.some((r) => ('maps' in r ? r.maps : [r.map]).some((m) => touched.has(m)));
  if (rewritten || dg.norms.some((n) => touched.has(n.map))) return null;
  return maps;
}

/**
 * A copy of the graph with each group of `widths` widened to its width by zero channels appended at the end: every
 * initializer the group's channels cut gets zeros on that axis (weights, biases, BatchNorm vectors, the consumers'
 * input channels). The new channels compute a constant that only zero weights read, so the outputs are those of the
 * graph as it was; a kernel that is faster on the wider shape (onnxruntime's int8 convolutions want 16 or more output
 * channels) runs the model faster. The input graph is not changed.
 */
export function padGroups(dg: DependencyGraph, widths: ReadonlyMap<Group, number>): { graph: Graph; padding: Padding[] } {
  const g = dg.graph;
  const extra = new Map<number, number>();
  for (const [group, width] of widths) {
    const maps = paddableMaps(dg, group);
    if (!maps) throw new GraphError(`pad: group '${group.name}' cannot be widened with zero channels`);
    if (width < groupWidth(group)) throw new GraphError(`pad: group '${group.name}' has ${groupWidth(group)} channels, more than ${width}`);
    for (const m of maps) extra.set(m, width - groupWidth(group));
  }
  const cuts = cutsByInit(dg);
  const padding: Padding[] = [];
  // the copy's shapes (the narrow ones) are inferred again below
  const padded = g.clone();
  noGrad(() => {
    for (const [name, axes] of cuts) {
      const t = padded.initializers.get(name)?.tensor;
      if (!t || ![...axes.values()].some((m) => extra.get(m))) continue;
      padded.setTensor(name, tidy(() => {
        let x: Tensor = t;
        for (const [axis, map] of axes) {
          const n = extra.get(map) ?? 0;
          if (!n) continue;
          padding.push({ init: name, axis, from: x.shape[axis]!, to: x.shape[axis]! + n });
          x = cat([x, zeros(x.shape.map((s, i) => (i === axis ? n : s)), { dtype: x.dtype })], axis);
        }
        return keep(x);
      }));
    }
  });
  try {
    const info = inferShapes(padded);
    for (const o of g.outputs) {
      const [before, after] = [g.valueInfo.get(o.name)?.shape, info.get(o.name)?.shape];
      if (JSON.stringify(before) !== JSON.stringify(after)) throw new GraphError(`pad: output '${o.name}' changed shape from [${before?.join(', ')}] to [${after?.join(', ')}]`);
    }
  } catch (e) {
    padded.dispose();
    throw e;
  }
  return { graph: padded, padding };
}
