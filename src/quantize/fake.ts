import { FAKE_QUANTIZE_DOMAIN } from '../exec/index.js';
import { float, int, type Graph, type Node } from '../graph/index.js';
import type { Plan } from './plan.js';
import { activationParams, type ActivationType } from './qparams.js';

const LIMITS: Record<ActivationType, [number, number]> = { uint8: [0, 255], int8: [-128, 127] };
const isFake = (n: Node): boolean => n.domain === FAKE_QUANTIZE_DOMAIN;

/**
 * A copy of the folded float model `f` for quantization-aware training: each tensor the plan quantizes passes
 * through a FakeQuantizePerTensor node at the scale and zero point of its frozen range (the ones the int8 file
 * gets), and each planned weight through a FakeQuantizePerChannel node (symmetric int8 per output channel, as
 * insertQdq stores it), so that training sees the int8 model's rounding and clipping. Its parameters are f's, in
 * f's order; withoutFakeQuantize gives the float model back. The caller disposes the graph.
 */
export function withFakeQuantize(f: Graph, plan: Plan, ranges: ReadonlyMap<string, { lo: number; hi: number }>, type: ActivationType): Graph {
  const g = f.clone();
  const [qmin, qmax] = LIMITS[type];
  const taken = new Set([...g.initializers.keys(), ...g.inputs.map((i) => i.name), ...g.nodes.flatMap((n) => [n.name, ...n.outputs])]);
  const fresh = (base: string): string => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
  const renamed = new Map<string, string>();
  const activation = (t: string): Node => {
    const range = ranges.get(plan.tensors.get(t)!);
    if (!range) throw new Error(`quantize: no range for '${plan.tensors.get(t)!}'`);
    const p = activationParams(range.lo, range.hi, type);
    const out = fresh(`${t}_fq`);
    renamed.set(t, out);
    return { name: fresh(`FQ_${t}`), opType: 'FakeQuantizePerTensor', domain: FAKE_QUANTIZE_DOMAIN, inputs: [t], outputs: [out], attrs: { scale: float(p.scale), zero_point: int(p.zeroPoint), qmin: int(qmin), qmax: int(qmax) } };
  };
  const weights = new Map(plan.layers.filter((l) => l.weight).map((l) => [l.node, l.weight!]));
  const nodes: Node[] = g.inputs.filter((i) => plan.tensors.has(i.name)).map((i) => activation(i.name));
  for (const n of g.nodes) {
    const inputs = n.inputs.map((i) => renamed.get(i) ?? i);
    const w = weights.get(n.name);
    if (w) {
      const out = fresh(`${w.name}_fq`);
      nodes.push({ name: fresh(`FQ_${w.name}`), opType: 'FakeQuantizePerChannel', domain: FAKE_QUANTIZE_DOMAIN, inputs: [w.name], outputs: [out], attrs: { axis: int(w.axis), qmax: int(127) } });
      inputs[1] = out;
    }
    nodes.push({ ...n, inputs });
    for (const o of n.outputs) if (o && plan.tensors.has(o)) nodes.push(activation(o));
  }
  g.nodes.splice(0, g.nodes.length, ...nodes);
  return g;
}

/** The float model inside a withFakeQuantize graph: its nodes without the fake quantization, reading what they read
 * before. The caller disposes the copy. */
export function withoutFakeQuantize(g: Graph): Graph {
  const f = g.clone();
  const source = new Map<string, string>();
  for (const n of f.nodes) if (isFake(n)) source.set(n.outputs[0]!, n.inputs[0]!);
  const kept = f.nodes.filter((n) => !isFake(n)).map((n) => ({ ...n, inputs: n.inputs.map((i) => source.get(i) ?? i) }));
  f.nodes.splice(0, f.nodes.length, ...kept);
  return f;
}
