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
  // a graph output that is quantized keeps its name on the fake quantization's output (as insertQdq's Dequantize);
  // its producer writes `raw`
  const graphOutputs = new Set(g.outputs.map((o) => o.name));
  const raw = new Map<string, string>();
  const activation = (t: string): Node => {
    const range = ranges.get(plan.tensors.get(t)!);
    if (!range) throw new Error(`quantize: no range for '${plan.tensors.get(t)!}'`);
    const p = activationParams(range.lo, range.hi, type);
    const out = raw.has(t) ? t : fresh(`${t}_fq`);
    renamed.set(t, out);
    return { name: fresh(`FQ_${t}`), opType: 'FakeQuantizePerTensor', domain: FAKE_QUANTIZE_DOMAIN, inputs: [raw.get(t) ?? t], outputs: [out], attrs: { scale: float(p.scale), zero_point: int(p.zeroPoint), qmin: int(qmin), qmax: int(qmax) } };
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
    for (const o of n.outputs) if (o && plan.tensors.has(o) && graphOutputs.has(o)) raw.set(o, fresh(`${o}_float`));
    nodes.push({ ...n, inputs, outputs: n.outputs.map((o) => raw.get(o) ?? o) });
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
  // a fake-quantized graph output: its producer writes it under its own name again
  const graphOutputs = new Set(f.outputs.map((o) => o.name));
  const back = new Map<string, string>();
  for (const n of f.nodes) {
    if (!isFake(n)) continue;
    if (graphOutputs.has(n.outputs[0]!)) back.set(n.inputs[0]!, n.outputs[0]!);
    else source.set(n.outputs[0]!, n.inputs[0]!);
  }
  const kept = f.nodes.filter((n) => !isFake(n)).map((n) => ({ ...n, inputs: n.inputs.map((i) => source.get(i) ?? back.get(i) ?? i), outputs: n.outputs.map((o) => back.get(o) ?? o) }));
  f.nodes.splice(0, f.nodes.length, ...kept);
  return f;
}
