import { detach, indexSelect, keep, noGrad, tensor, tidy, clone, contiguous, type Tensor } from '../tensor/index.js';
import { Graph, GraphError, int, ints, type Initializer, type Node } from '../graph/index.js';
import { inferShapes } from '../exec/index.js';
import type { DependencyGraph } from './dependency-graph.js';
import { cutsByInit } from './cost-model.js';
import { countKept, keptPositions } from './index-mapping.js';

/** Which units survive (1 = kept), over a DependencyGraph's unit numbering. */
export type PruningPlan = { readonly dg: DependencyGraph; readonly kept: Uint8Array };

/** True when the atom's channel survives the plan. */
export function survivor(plan: PruningPlan): (atom: number) => boolean {
  const { unitOf } = plan.dg;
  return (atom) => {
    const u = unitOf[atom]!;
    return u < 0 || plan.kept[u] === 1;
  };
}

// int64 constants beyond 2^53 (Slice's "to the end") cannot pass through a number; any value this large clamps alike.
const safeInt = (v: number): number => Math.max(-(2 ** 53), Math.min(2 ** 53, v));

/**
 * Builds the pruned graph: every cut initializer keeps the surviving indices along its cut axes (Conv/Gemm out and
 * in channels, BN vectors, per-channel constants, per-channel HxW blocks of Gemm features after Flatten); group
 * counts, Split sizes, Slice bounds and Reshape targets follow. The input graph is not changed. The result is
 * shape-checked: every value has its kept channel count and the outputs keep their shapes.
 */
export function applyPlan(plan: PruningPlan): Graph {
  const { dg } = plan;
  const g = dg.graph;
  const survives = survivor(plan);
  const keptCache = new Map<number, number[]>();
  const kept = (map: number): number[] => {
    let k = keptCache.get(map);
    if (!k) keptCache.set(map, (k = keptPositions(dg.maps[map]!, survives)));
    return k;
  };
  const count = (map: number): number => kept(map).length;

  const inits = new Map<string, Initializer>();
  const cuts = cutsByInit(dg);
  noGrad(() => {
    for (const [name, { tensor: t, kind }] of g.initializers) {
      const axes = cuts.get(name);
      const out = tidy(() => {
        let x: Tensor = detach(t);
        let changed = false;
        for (const [axis, map] of axes ?? []) {
          const idx = kept(map);
          if (idx.length === t.shape[axis]) continue;
          if (idx.length === 0) throw new GraphError(`prune: every channel of '${name}' axis ${axis} would be removed`);
          x = indexSelect(x, axis, tensor(idx, [idx.length], 'int64'));
          changed = true;
        }
        return keep(changed ? contiguous(x) : clone(x));
      });
      if (kind === 'param') out.requiresGrad = true;
      inits.set(name, { tensor: out, kind });
    }
  });

  const edits = new Map<string, ((n: Node) => Node)[]>();
  const edit = (node: string, f: (n: Node) => Node): void => {
    const fs = edits.get(node);
    if (fs) fs.push(f);
    else edits.set(node, [f]);
  };
  const constant = (name: string, values: number[]): string => {
    inits.get(name)?.tensor.dispose();
    inits.set(name, { tensor: keep(tensor(values.map(safeInt), [values.length], 'int64')), kind: 'constant' });
    return name;
  };
  const withInput = (n: Node, i: number, v: string): Node => {
    const inputs = [...n.inputs];
    while (inputs.length <= i) inputs.push('');
    inputs[i] = v;
    return { ...n, inputs };
  };
  // read from the new initializers: an earlier edit of the same node may have replaced the constant
  const intsOf = (v: string): number[] => inits.get(v)!.tensor.toArray();
  for (const r of dg.rewrites) {
    if (r.kind === 'group') {
      const groups = count(r.map) / r.perGroup;
      edit(r.node, (n) => ({ ...n, attrs: { ...n.attrs, group: int(groups) } }));
    } else if (r.kind === 'split') {
      const sizes = r.maps.map(count);
      edit(r.node, (n) => {
        const { num_outputs: _drop, split: _old, ...attrs } = n.attrs;
        void _drop;
        void _old;
        if (g.opset >= 13) return withInput({ ...n, attrs }, 1, constant(`${n.name}::split`, sizes));
        return { ...n, attrs: { ...attrs, split: ints(sizes) } };
      });
    } else if (r.kind === 'slice') {
      const atoms = dg.maps[r.map]!;
      const start = countKept(atoms, survives, 0, r.start);
      const end = start + countKept(atoms, survives, r.start, r.end);
      edit(r.node, (n) => {
        const starts = intsOf(n.inputs[1]!);
        const ends = intsOf(n.inputs[2]!);
        starts[r.at] = start;
        ends[r.at] = end;
        return withInput(withInput(n, 1, constant(`${n.name}::starts`, starts)), 2, constant(`${n.name}::ends`, ends));
      });
    } else if (r.kind === 'entry') {
      const len = dg.maps[r.map]!.length;
      const c = count(r.map);
      if (c === len) continue;
      edit(r.node, (n) => {
        const values = intsOf(n.inputs[r.input]!);
        if (values[r.at]! <= 0 || values[r.at]! % len !== 0) throw new GraphError(`prune: entry ${r.at} of '${n.inputs[r.input]!}' (${values[r.at]!}) is not a multiple of ${len}`);
        values[r.at] = (values[r.at]! / len) * c;
        return withInput(n, r.input, constant(`${n.name}::in${r.input}`, values));
      });
    } else if (r.kind === 'reshape') {
      const c = count(r.map);
      const at = r.at ?? 1;
      edit(r.node, (n) => {
        const shape = intsOf(n.inputs[1]!);
        if (shape[at]! <= 0) return n;
        shape[at] = c;
        return withInput(n, 1, constant(`${n.name}::shape`, shape));
      });
    } else if (r.kind === 'hidden-size') {
      const c = count(r.map);
      edit(r.node, (n) => ({ ...n, attrs: { ...n.attrs, hidden_size: int(c) } }));
    } else {
      edit(r.node, (n) => {
        const inputs = [...n.inputs];
        inputs[r.index] = '';
        while (inputs.length && !inputs[inputs.length - 1]) inputs.pop();
        return { ...n, inputs };
      });
    }
  }
  const dropped = dg.rewrites.flatMap((r) => (r.kind === 'drop-input' ? [g.nodes.find((n) => n.name === r.node)!.inputs[r.index]!] : []));
  const nodes = withoutDeadCode(g.nodes.map((n) => {
    const copy: Node = { ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } };
    return (edits.get(n.name) ?? []).reduce((m, f) => f(m), copy);
  }), dropped, new Set(g.outputs.map((o) => o.name)));
  // Constants replaced by rewrites and read by nobody else are dropped.
  const used = new Set(nodes.flatMap((n) => n.inputs));
  for (const [name, it] of inits) {
    if (!used.has(name) && it.kind === 'constant' && g.initializers.has(name) && !g.outputs.some((o) => o.name === name)) {
      it.tensor.dispose();
      inits.delete(name);
    }
  }
  const pruned = new Graph({
    name: g.name,
    inputs: g.inputs.map((v) => ({ ...v })),
    outputs: g.outputs.map((v) => ({ ...v })),
    nodes,
    initializers: inits,
    opset: g.opset,
    metadata: { ...g.metadata },
  });
  try {
    checkShapes(plan, pruned, count);
  } catch (e) {
    pruned.dispose();
    throw e;
  }
  return pruned;
}

/**
 * The nodes without those that only computed `dropped` values (a recurrent layer's zero initial state and the
 * Shape/Gather/Concat that sized it): a node goes when nothing reads its outputs any more.
 */
function withoutDeadCode(nodes: Node[], dropped: readonly string[], outputs: ReadonlySet<string>): Node[] {
  let live = nodes;
  let candidates = new Set(dropped);
  while (candidates.size) {
    const read = new Set(live.flatMap((n) => n.inputs));
    const dead = new Set(live.filter((n) => n.outputs.some((o) => candidates.has(o)) && n.outputs.every((o) => !o || (!read.has(o) && !outputs.has(o)))));
    if (!dead.size) break;
    live = live.filter((n) => !dead.has(n));
    candidates = new Set([...dead].flatMap((n) => n.inputs));
  }
  return live;
}

/** Runs shape inference on the pruned graph and checks every channel map's count and the output shapes. */
function checkShapes(plan: PruningPlan, pruned: Graph, count: (map: number) => number): void {
  const { dg } = plan;
  const info = inferShapes(pruned);
  for (const [v, map] of dg.valueMaps) {
    const s = info.get(v)?.shape;
    if (!s || pruned.initializers.has(v)) continue;
    const ax = dg.axisOf(v);
    // a frozen map on a symbolic axis (the batch, where an op the analysis does not know put it) is not cut
    if (typeof s[ax] !== 'number' && dg.maps[map]!.every((a) => !dg.prunable(a))) continue;
    if (s[ax] !== count(map)) throw new GraphError(`prune: after surgery '${v}' has ${String(s[ax])} channels on axis ${ax}, expected ${count(map)}`);
  }
  for (const o of dg.graph.outputs) {
    const before = dg.graph.valueInfo.get(o.name)?.shape;
    const after = info.get(o.name)?.shape;
    if (JSON.stringify(before) !== JSON.stringify(after)) throw new GraphError(`prune: output '${o.name}' changed shape from [${before?.join(', ')}] to [${after?.join(', ')}]`);
  }
}
