import { mul, noGrad, tensor, tidy, keep } from '../tensor/index.js';
import { Graph, attrFloat, ints, type Node } from '../graph/index.js';
import { survivor, type PruningPlan } from './surgery.js';
import { keptPositions } from './index-mapping.js';
import type { ChannelNorm } from './channel-norm.js';

/**
 * The plan as a mask instead of surgery: a copy of the original graph whose removed channels are zeroed at their
 * sources (weights and biases of removed output channels, BN scale and shift, per-channel additive or
 * multiplicative constants), so those activations are exactly 0, and whose normalisations over channels
 * (LayerNorm, channel-norm.ts) take their mean and variance over the kept channels only. In eval mode it computes
 * what the pruned graph computes, which is how the pruning tests check surgery.
 */
export function zeroRemovedChannels(plan: PruningPlan): Graph {
  const { dg } = plan;
  const copy = dg.graph.clone();
  const survives = survivor(plan);
  // (a recurrent layer's initial state: a removed unit starts at 0, so it stays 0 with its gate rows zeroed; a class
  // token concatenated to the tokens)
  const constOps = new Set(['Add', 'Sub', 'Mul', 'PRelu', 'Concat', 'GRU', 'LSTM', 'RNN']);
  const nodes = new Map(dg.graph.nodes.map((n) => [n.name, n]));
  noGrad(() => {
    for (const c of dg.cuts) {
      const zeroable = c.side === 'out' && (c.role === 'weight' || c.role === 'bias' || c.role === 'bn-scale' || c.role === 'bn-shift' || (c.role === 'constant' && constOps.has(nodes.get(c.node)!.opType)));
      if (!zeroable) continue;
      const atoms = dg.maps[c.map]!;
      if (keptPositions(atoms, survives).length === atoms.length) continue;
      const t = copy.initializers.get(c.init)!.tensor;
      const shape = t.shape.map((d, i) => (i === c.axis ? d : 1));
      const masked = tidy(() => keep(mul(t, tensor(Array.from(atoms, (a) => (survives(a) ? 1 : 0)), shape))));
      copy.setTensor(c.init, masked);
    }
  });
  const norms = dg.norms.filter((ln) => keptPositions(dg.maps[ln.map]!, survives).length < dg.maps[ln.map]!.length);
  return norms.length ? restrictNorms(copy, plan, norms) : copy;
}

/**
 * The channels of a value that survive a plan (positions on its channel axis, in order), or null for a value the
 * analysis gave no channel map (its channels are not cut).
 */
export function keptChannels(plan: PruningPlan, value: string): number[] | null {
  const map = plan.dg.valueMaps.get(value);
  return map === undefined ? null : keptPositions(plan.dg.maps[map]!, survivor(plan));
}

/** Positions along one axis of one initializer that a plan removes. */
export type RemovedSlice = { init: string; axis: number; removed: number[] };

/**
 * What a plan removes from the weights, biases and BN scales and shifts of its graph (output and input sides), by
 * initializer and axis, for changing those channels before the cut (e.g. fading them out in training). BN running
 * statistics and per-channel constants are not listed.
 */
export function removedSlices(plan: PruningPlan): RemovedSlice[] {
  const { dg } = plan;
  const survives = survivor(plan);
  const byKey = new Map<string, RemovedSlice>();
  for (const c of dg.cuts) {
    if (c.role !== 'weight' && c.role !== 'bias' && c.role !== 'bn-scale' && c.role !== 'bn-shift') continue;
    const atoms = dg.maps[c.map]!;
    const removed: number[] = [];
    atoms.forEach((a, i) => { if (!survives(a)) removed.push(i); });
    if (removed.length && !byKey.has(`${c.init}/${c.axis}`)) byKey.set(`${c.init}/${c.axis}`, { init: c.init, axis: c.axis, removed });
  }
  return [...byKey.values()];
}

/**
 * Rewrites each normalisation over channels so that its statistics cover the kept channels only. With the removed
 * channels of x already 0: mean_kept = mean_all * C / k; the centred value is masked (removed channels back to 0);
 * var_kept = mean_all(d^2) * C / k. A LayerNormalization op is written out in these steps, its output masked.
 */
function restrictNorms(g: Graph, plan: PruningPlan, norms: readonly ChannelNorm[]): Graph {
  const { dg } = plan;
  const survives = survivor(plan);
  const inits = g.initializers;
  const edits = new Map<string, Node[]>();
  const add = (name: string, values: number[], shape: number[]): string => {
    inits.set(name, { tensor: keep(tensor(values, shape)), kind: 'constant' });
    return name;
  };
  const node = (name: string, opType: string, inputs: string[], output: string, attrs: Node['attrs'] = {}): Node => ({ name, opType, domain: '', inputs, outputs: [output], attrs });
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  for (const ln of norms) {
    const atoms = dg.maps[ln.map]!;
    const x = byName.get(ln.node)!.inputs[0]!;
    const rank = dg.graph.valueInfo.get(x)?.shape?.length ?? ln.axis + 1;
    const c = atoms.length;
    const k = keptPositions(atoms, survives).length;
    const ratio = add(`${ln.node}::kept-ratio`, [c / k], []);
    const mask = add(`${ln.node}::kept-mask`, Array.from(atoms, (a) => (survives(a) ? 1 : 0)), [c, ...Array<number>(rank - 1 - ln.axis).fill(1)]);
    // `out` is made by a node renamed to write `out::all`, then scaled: out = out::all * by.
    const scaled = (n: Node, by: string): Node[] => [{ ...n, outputs: [`${n.outputs[0]!}::all`] }, node(`${n.name}::kept`, 'Mul', [`${n.outputs[0]!}::all`, by], n.outputs[0]!)];
    if (ln.kind === 'decomposed') {
      edits.set(ln.mean, scaled(byName.get(ln.mean)!, ratio));
      edits.set(ln.variance, scaled(byName.get(ln.variance)!, ratio));
      edits.set(ln.center, scaled(byName.get(ln.center)!, mask));
      continue;
    }
    const n = byName.get(ln.node)!;
    const [, scale, bias] = n.inputs;
    const p = `${n.name}::`;
    const axes = g.opset >= 18 ? { inputs: [add(`${p}axes`, [ln.axis], [1])], attrs: {} } : { inputs: [], attrs: { axes: ints([ln.axis]) } };
    const mean = (name: string, v: string): Node => node(name, 'ReduceMean', [v, ...axes.inputs], `${name}:0`, axes.attrs);
    const eps = add(`${p}eps`, [attrFloat(n, 'epsilon', 1e-5)], []);
    edits.set(n.name, [
      mean(`${p}mean`, x),
      node(`${p}mean-kept`, 'Mul', [`${p}mean:0`, ratio], `${p}mean-kept:0`),
      node(`${p}center`, 'Sub', [x, `${p}mean-kept:0`], `${p}center:0`),
      node(`${p}d`, 'Mul', [`${p}center:0`, mask], `${p}d:0`),
      node(`${p}sq`, 'Mul', [`${p}d:0`, `${p}d:0`], `${p}sq:0`),
      mean(`${p}var`, `${p}sq:0`),
      node(`${p}var-kept`, 'Mul', [`${p}var:0`, ratio], `${p}var-kept:0`),
      node(`${p}var-eps`, 'Add', [`${p}var-kept:0`, eps], `${p}var-eps:0`),
      node(`${p}std`, 'Sqrt', [`${p}var-eps:0`], `${p}std:0`),
      node(`${p}norm`, 'Div', [`${p}d:0`, `${p}std:0`], `${p}norm:0`),
      node(`${p}scale`, 'Mul', [`${p}norm:0`, scale!], `${p}scale:0`),
      ...(bias ? [node(`${p}bias`, 'Add', [`${p}scale:0`, bias], `${p}bias:0`)] : []),
      node(`${p}out`, 'Mul', [bias ? `${p}bias:0` : `${p}scale:0`, mask], n.outputs[0]!),
    ]);
  }
  return new Graph({
    name: g.name,
    inputs: g.inputs,
    outputs: g.outputs,
    nodes: g.nodes.flatMap((n) => edits.get(n.name) ?? [n]),
    initializers: inits,
    opset: g.opset,
    metadata: g.metadata,
  });
}
