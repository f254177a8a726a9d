import { noGrad, uniform, type Tensor } from '../tensor/index.js';
import { attrInt } from './attrs.js';
import { GraphError, type Graph } from './graph.js';
import type { Node } from './ir.js';

/** Where a classifier's last linear layer keeps its weight and bias, and which weight axis counts the classes. */
type Head = { node: Node; weight: string; classAxis: number; fanIn: number; bias?: string };

function findHead(g: Graph): Head {
  const out = g.outputs[0]?.name;
  const producers = g.producers();
  const p = out === undefined ? undefined : producers.get(out);
  const isInit = (v: string | undefined): v is string => !!v && g.initializers.has(v);
  const shapeOf = (v: string): readonly number[] => g.initializers.get(v)!.tensor.shape;
  if (p?.opType === 'Gemm' && isInit(p.inputs[1]) && !isInit(p.inputs[0]) && !attrInt(p, 'transA', 0)) {
    const transB = attrInt(p, 'transB', 0);
    const s = shapeOf(p.inputs[1]);
    return { node: p, weight: p.inputs[1], classAxis: transB ? 0 : 1, fanIn: transB ? s[1]! : s[0]!, ...(isInit(p.inputs[2]) ? { bias: p.inputs[2] } : {}) };
  }
  // PyTorch's Linear on other than 2-D input: MatMul by the transposed weight, then Add of the bias
  const add = p?.opType === 'Add' ? p : undefined;
  const mmOut = add?.inputs.find((v) => !isInit(v));
  const mm = add ? (mmOut === undefined ? undefined : producers.get(mmOut)) : p;
  if (mm?.opType === 'MatMul' && isInit(mm.inputs[1]) && !isInit(mm.inputs[0]) && shapeOf(mm.inputs[1]).length === 2) {
    const bias = add?.inputs.find((v) => isInit(v));
    if (!add || bias !== undefined) return { node: mm, weight: mm.inputs[1], classAxis: 1, fanIn: shapeOf(mm.inputs[1])[0]!, ...(bias ? { bias } : {}) };
  }
  throw new GraphError(`the model's output ${out ?? '?'} is made by ${p ? `${p.opType} '${p.name}'` : 'no node'}, not by a linear layer (Gemm, or MatMul and Add, with its weights in the model)`, undefined, p?.name);
}

/**
 * Replaces the classifier's last linear layer with a new one for `classes` classes, initialised as PyTorch's Linear
 * (U(±1/sqrt(fan_in)), from libtorch's seeded generator): for training a model on other classes than it was made for.
 * Throws a GraphError when the output is not made by a linear layer whose weights only it reads.
 */
export function replaceHead(g: Graph, classes: number): void {
  const head = findHead(g);
  const readers = g.consumers();
  for (const v of [head.weight, head.bias]) {
    if (v !== undefined && (readers.get(v) ?? []).length !== 1) throw new GraphError(`the classifier's weight '${v}' is also read elsewhere; cannot replace it alone`, undefined, head.node.name);
  }
  const bound = 1 / Math.sqrt(head.fanIn);
  const resized = (name: string, axis: number): void => {
    const old = g.initializers.get(name)!;
    const shape = [...old.tensor.shape];
    shape[axis] = classes;
    const t: Tensor = noGrad(() => uniform(shape, -bound, bound));
    t.requiresGrad = old.tensor.requiresGrad;
    old.tensor.dispose();
    g.initializers.set(name, { ...old, tensor: t });
  };
  resized(head.weight, head.classAxis);
  if (head.bias !== undefined) resized(head.bias, g.initializers.get(head.bias)!.tensor.shape.length - 1);
  const out = g.outputs[0]!;
  if (out.shape && out.shape.length > 0) g.outputs[0] = { ...out, shape: [...out.shape.slice(0, -1), classes] };
  g.valueInfo.clear();
}
