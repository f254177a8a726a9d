import { fillInto, noGrad, uniformInto, type Tensor } from '../tensor/index.js';
import { attrInt } from './attrs.js';
import { GraphError, type Graph } from './graph.js';
import type { Node } from './ir.js';

type Init = (t: Tensor) => void;

/** PyTorch's default for conv and linear weights and biases (kaiming_uniform_ with a = sqrt(5)): U(±1/sqrt(fan_in)). */
const fanUniform = (fanIn: number): Init => (t) => void uniformInto(t, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
const fill = (v: number): Init => (t) => void fillInto(t, v);
const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** Normalisations whose inputs 1 and 2 are a scale (1) and a bias (0) in a new PyTorch module. */
const NORM_AFFINE = new Set(['BatchNormalization', 'InstanceNormalization', 'LayerNormalization', 'GroupNormalization']);

/**
 * How each weight of `g` starts in a newly made PyTorch module, by the role its first reader gives it: conv,
 * transposed conv, Gemm and MatMul weights and their biases (a Gemm's C, an Add right after a MatMul or conv)
 * U(±1/sqrt(fan_in)); normalisation scales 1 and biases 0, BatchNorm running mean 0 and variance 1 (also a
 * decomposed LayerNorm's Mul and Add); PRelu slopes 0.25.
 */
function initsOf(g: Graph): { inits: Map<string, Init>; readers: Map<string, Node> } {
  const inits = new Map<string, Init>();
  const readers = new Map<string, Node>();
  const fanOfOutput = new Map<string, number>();
  const affine = new Set<string>();
  const producers = g.producers();
  const isInit = (v: string | undefined): v is string => !!v && g.initializers.has(v);
  const shapeOf = (v: string): readonly number[] => g.initializers.get(v)!.tensor.shape;
  for (const n of g.nodes) {
    for (const v of n.inputs) if (isInit(v) && !readers.has(v)) readers.set(v, n);
    const set = (slot: number, init: Init): void => {
      const v = n.inputs[slot];
      if (isInit(v) && !inits.has(v)) inits.set(v, init);
    };
    const weight = n.inputs[1];
    if ((n.opType === 'Conv' || n.opType === 'ConvTranspose') && isInit(weight)) {
      // torch computes fan_in from dim 1 of the weight for both: [O, I/g, k...] and, transposed, [I, O/g, k...]
      const fan = product(shapeOf(weight).slice(1));
      set(1, fanUniform(fan));
      set(2, fanUniform(fan));
      fanOfOutput.set(n.outputs[0]!, fan);
    } else if (n.opType === 'Gemm' && isInit(weight) && !isInit(n.inputs[0])) {
      const [rows, cols] = shapeOf(weight) as [number, number];
      const fan = attrInt(n, 'transB', 0) ? cols : rows;
      set(1, fanUniform(fan));
      set(2, fanUniform(fan));
    } else if (n.opType === 'MatMul' && isInit(weight) && !isInit(n.inputs[0])) {
      const s = shapeOf(weight);
      const fan = s.length >= 2 ? s[s.length - 2]! : s[0]!;
      set(1, fanUniform(fan));
      fanOfOutput.set(n.outputs[0]!, fan);
    } else if (NORM_AFFINE.has(n.opType)) {
      set(1, fill(1));
      set(2, fill(0));
      if (n.opType === 'BatchNormalization') {
        set(3, fill(0));
        set(4, fill(1));
      }
    } else if (n.opType === 'PRelu') {
      set(1, fill(0.25));
    } else if ((n.opType === 'Add' || n.opType === 'Mul') && n.inputs.length === 2) {
      const [a, b] = n.inputs as [string, string];
      const [w, x] = isInit(b) && !isInit(a) ? [b, a] : isInit(a) && !isInit(b) ? [a, b] : [undefined, undefined];
      if (w === undefined || x === undefined) continue;
      const from = producers.get(x);
      const fan = fanOfOutput.get(x);
      const at = n.inputs.indexOf(w);
      if (n.opType === 'Add' && fan !== undefined) set(at, fanUniform(fan));
      else if (n.opType === 'Mul' && from?.opType === 'Div' && producers.get(from.inputs[1] ?? '')?.opType === 'Sqrt') {
        set(at, fill(1));
        affine.add(n.outputs[0]!);
      } else if (n.opType === 'Add' && affine.has(x)) set(at, fill(0));
    }
  }
  return { inits, readers };
}

/**
 * Re-initialises every weight and running statistic of `g` as a new PyTorch module of the same kind starts (see
 * initsOf), from libtorch's seeded generator: training the result trains the architecture from scratch. Throws a
 * GraphError naming the first weight whose role it does not know (a layer scale, an embedding), changing nothing.
 */
export function freshInit(g: Graph): void {
  const { inits, readers } = initsOf(g);
  for (const [name, i] of g.initializers) {
    if (i.kind === 'constant' || inits.has(name)) continue;
    const n = readers.get(name);
    throw new GraphError(`cannot re-initialise '${name}' (read by ${n ? `${n.opType} '${n.name}'` : 'no node'}): only conv, linear, normalisation and PRelu weights have a known fresh start`, undefined, n?.name);
  }
  noGrad(() => {
    for (const [name, init] of inits) if (g.initializers.get(name)!.kind !== 'constant') init(g.initializers.get(name)!.tensor);
  });
}
