import { noGrad, tidy, zeros, type Tensor } from '../tensor/index.js';
import { GraphError, type Graph, type Node } from '../graph/index.js';
import { kernelFor } from './kernel.js';
import { ruleShapes, SHAPE_ONLY, type ShapeOf } from './shape-rules.js';


/** Integer inputs read as values for the shape rules up to this many elements (a shape, axes, pads). */
const MAX_SMALL = 64;
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/**
 * The shape and dtype of every value when the graph inputs have the shapes in `feeds`. A node that reads the input
 * data (directly or through other nodes) and has a rule in shape-rules.ts is not run: its outputs' contents are
 * those of zeros fed to the graph, which nothing but shapes is learnt from. Every other node runs on the engine, on
 * the initializers as they are and on zeros where an input was not computed, so shape arithmetic, constant
 * subgraphs and value-dependent shapes (Reshape targets, Slice bounds) come out exactly as a real run gives them.
 * Kernel errors are GraphErrors naming the node, as runGraph gives them.
 */
export function walkShapes(g: Graph, feeds: Readonly<Record<string, readonly number[]>>, dtypeOf: (input: string) => ShapeOf['dtype']): Map<string, ShapeOf> {
  const known = new Map<string, ShapeOf>();
  const dataDep = new Set<string>();
  for (const [name, { tensor }] of g.initializers) known.set(name, { shape: tensor.shape, dtype: tensor.dtype });
  for (const i of g.inputs) {
    const s = feeds[i.name];
    if (!s) throw new GraphError(`graph input '${i.name}' was not given`);
    known.set(i.name, { shape: s, dtype: dtypeOf(i.name) });
    dataDep.add(i.name);
  }
  const values = new Map<string, Tensor>();
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  const valueOf = (name: string): Tensor => {
    const init = g.initializers.get(name);
    if (init) return init.tensor;
    let t = values.get(name);
    if (!t) {
      const k = known.get(name)!;
      t = zeros([...k.shape], { dtype: k.dtype });
      values.set(name, t);
    }
    return t;
  };
  // The values of small integer tensors that are not computed from the input's data (shapes, axes, pads).
  const ints = new Map<string, readonly number[] | undefined>();
  const smallInts = (name: string | undefined): readonly number[] | undefined => {
    if (!name || dataDep.has(name)) return undefined;
    if (ints.has(name)) return ints.get(name);
    const t = g.initializers.get(name)?.tensor ?? values.get(name);
    const v = t && (t.dtype === 'int64' || t.dtype === 'int32') && t.shape.length <= 1 && numel(t.shape) <= MAX_SMALL ? t.toArray() : undefined;
    ints.set(name, v);
    return v;
  };
  const release = (node: Node): void => {
    for (const name of node.inputs) {
      if (!name) continue;
      const left = (uses.get(name) ?? 1) - 1;
      uses.set(name, left);
      if (left === 0) {
        values.get(name)?.dispose();
        values.delete(name);
      }
    }
  };
  try {
    noGrad(() => {
      for (const node of g.nodes) {
        const ins = node.inputs.map((name) => (name ? known.get(name) ?? null : null));
        const dep = !SHAPE_ONLY.has(node.opType) && node.inputs.some((name) => name && dataDep.has(name));
        const rule = dep ? ruleShapes(node, ins, (k) => smallInts(node.inputs[k])) : undefined;
        if (rule) {
          node.outputs.forEach((name, k) => name && known.set(name, rule[k]!));
        } else {
          runNode(node, node.inputs.map((name) => (name ? valueOf(name) : null)), g.opset, (name, t) => {
            known.set(name, { shape: t.shape, dtype: t.dtype });
            if (uses.has(name)) values.set(name, t);
            else t.dispose();
          });
        }
        if (dep) for (const o of node.outputs) if (o) dataDep.add(o);
        release(node);
      }
    });
  } finally {
    for (const t of values.values()) t.dispose();
  }
  return known;
}

function runNode(node: Node, inputs: (Tensor | null)[], opset: number, put: (name: string, t: Tensor) => void): void {
  const kernel = kernelFor(node.opType);
  if (!kernel) throw new GraphError(`node '${node.name}': op ${node.opType} is not supported`, undefined, node.name);
  let outs: Tensor[];
  try {
    outs = tidy(() => kernel(inputs, { node, training: false, opset }));
  } catch (e) {
    if (e instanceof GraphError) throw e;
    throw new GraphError(`node '${node.name}' (${node.opType}): ${e instanceof Error ? e.message : String(e)}`, undefined, node.name);
  }
  node.outputs.forEach((name, k) => {
    const t = outs[k];
    if (name && t) put(name, t);
    else t?.dispose();
  });
}
