import { copyInto, mul, noGrad, tensor, tidy, toDevice, type Tensor } from '../tensor/index.js';
import { Graph, GraphError, type Initializer } from '../graph/index.js';
import type { OptimizerState } from '../optim/index.js';
import { analyzeGroups, applyPlan, keptChannels, type AnalyzeOptions, type PruningPlan, type RemovedSlice } from '../prune/index.js';

/**
 * A soft cut: over the first `fraction` of a step's `total` optimizer updates (F of them) the channels its cut
 * removes are multiplied after update t by (F - t) / (F - t + 1), so that with no gradient they would fall linearly
 * to 0; from update F on they are held at 0. The cut that follows then removes channels the student has learnt to
 * do without. A function of (t, total) only, so a resumed step fades as an uninterrupted one.
 */
export function fadeChannels(g: Graph, slices: readonly RemovedSlice[], fraction: number, device: string): (t: number, total: number) => void {
  return (t, total) => {
    const updates = Math.max(1, Math.round(total * fraction));
    const f = t >= updates ? 0 : (updates - t) / (updates - t + 1);
    noGrad(() => tidy(() => {
      for (const s of slices) {
        const w = g.initializers.get(s.init)!.tensor;
        const m = new Float32Array(w.shape[s.axis]!).fill(1);
        for (const i of s.removed) m[i] = f;
        const mask = tensor(m, w.shape.map((d, i) => (i === s.axis ? d : 1)));
        copyInto(w, mul(w, device === 'cpu' ? mask : toDevice(mask, device)));
      }
    }));
  };
}

/**
 * A step's plan on a graph of the same structure as the one it was made on (the step's student before training):
 * `kept` is the plan's per-unit survival, over the unit numbering that the analysis gives both graphs alike (with the
 * same `ignore`d nodes as the plan's).
 */
function planOn(g: Graph, kept: ArrayLike<number>, analysis: Analysis): PruningPlan {
  const dg = analyzeGroups(g, isNames(analysis) ? { ignore: analysis } : analysis);
  if (dg.unitCount !== kept.length) throw new GraphError(`fade: the trained student has ${dg.unitCount} channel units but the step's plan has ${kept.length} (an analysis bug; please report it)`);
  return { dg, kept: Uint8Array.from(kept) };
}

/** The plan's analysis options (ignored nodes, attention mode, embedding), or only the ignored node names. */
export type Analysis = AnalyzeOptions | readonly string[];
const isNames = (a: Analysis): a is readonly string[] => Array.isArray(a);

/** Cuts a graph by a plan made on a graph of the same structure (see planOn). */
export function cutAsPlanned(g: Graph, kept: ArrayLike<number>, ignore: Analysis = []): Graph {
  return applyPlan(planOn(g, kept, ignore));
}

/** The channels of each named value that the planned cut keeps (null: not cut), e.g. to cut hint adapters alike. */
export function keptChannelsAsPlanned(g: Graph, kept: ArrayLike<number>, values: readonly string[], ignore: Analysis = []): (number[] | null)[] {
  const plan = planOn(g, kept, ignore);
  return values.map((v) => keptChannels(plan, v));
}

/**
 * The optimizer state of a student cut by a plan: each per-parameter state tensor (`prefix.i` belongs to the graph's
 * i-th parameter, e.g. SGD's momentum `buf.i`) is cut like its parameter. The cut keeps the parameters' order. State
 * of tensors trained beside the graph's parameters (`prefix.(P + k)`, P the graph's parameter count: hint adapters)
 * is cut by `extra[k]`, which returns a new tensor.
 */
export function cutOptimizerState(s: OptimizerState, uncut: Graph, kept: ArrayLike<number>, ignore: Analysis = [], extra: readonly ((t: Tensor) => Tensor)[] = []): OptimizerState {
  const params = uncut.tensorsOf('param').map(([name]) => name);
  const prefixes = new Set(Object.keys(s.tensors).map((k) => k.slice(0, k.lastIndexOf('.'))));
  const tensors: Record<string, Tensor> = {};
  for (const prefix of prefixes) {
    // the student with this state in place of its parameters (where there is state), cut by the plan
    const inits = new Map<string, Initializer>(uncut.initializers);
    params.forEach((name, i) => {
      const t = s.tensors[`${prefix}.${i}`];
      if (t) inits.set(name, { tensor: t, kind: 'param' });
    });
    const g = new Graph({ name: uncut.name, inputs: uncut.inputs, outputs: uncut.outputs, nodes: uncut.nodes, initializers: inits, opset: uncut.opset });
    for (const [k, v] of uncut.valueInfo) g.valueInfo.set(k, v);
    const cut = cutAsPlanned(g, kept, ignore);
    const taken = new Set<string>();
    cut.tensorsOf('param').forEach(([name, t], i) => {
      if (name !== params[i]) throw new GraphError(`fade: the cut reordered parameter ${i} ('${params[i]}' became '${name}'; an analysis bug; please report it)`);
      if (s.tensors[`${prefix}.${i}`]) {
        t.requiresGrad = false;
        tensors[`${prefix}.${i}`] = t;
        taken.add(name);
      }
    });
    for (const [name, { tensor: t }] of cut.initializers) if (!taken.has(name)) t.dispose();
  }
  for (const [key, t] of Object.entries(s.tensors)) {
    const i = Number(key.slice(key.lastIndexOf('.') + 1));
    if (i < params.length) continue;
    const cutter = extra[i - params.length];
    if (!cutter) throw new GraphError(`fade: optimizer state '${key}' belongs to no parameter of the graph and no extra tensor (a bug; please report it)`);
    tensors[key] = cutter(t);
  }
  return { step: s.step, tensors };
}
