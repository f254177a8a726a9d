import { keep, noGrad, tensor, tidy, zeros, type Tensor } from '../tensor/index.js';
import type { Node, TensorData, ValueInfo } from '../graph/index.js';
import { kernelFor, ruleShapes, SHAPE_ONLY } from '../exec/index.js';
import { evalNode, FOLDABLE, fromSmall, intsOf, toSmall, type Known, type Small } from './fold-eval.js';

/** The importer's working graph: nodes in topological order, initializers still as JS data. */
export interface Draft {
  nodes: Node[];
  inits: Map<string, { data: TensorData; fromConstant: boolean }>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  opset: number;
}

/** Probing runs the graph on zeros only while inputs and values stay below these sizes (elements). */
const PROBE_INPUT_MAX = 2 ** 24;
const PROBE_VALUE_MAX = 2 ** 26;

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const isFloat = (d: string): boolean => d.startsWith('float') || d === 'bfloat16';

/**
 * Walks the graph once, evaluating in JS what it can (shape arithmetic, small constants) and, given input shapes,
 * running on the engine the nodes in `engineNodes` (those whose output shapes feed a Shape node) on zeros of those
 * shapes. Returns what it learnt about each value. Never throws: a node it cannot run leaves its outputs unknown.
 */
function walk(d: Draft, feeds: Record<string, number[]> | null, engineNodes: Set<Node>): Map<string, Known> {
  const known = new Map<string, Known>();
  for (const [name, { data, fromConstant }] of d.inits) {
    // Original float initializers are weights: never folded into new tensors, so training keeps them as they are.
    const small = isFloat(data.dtype) && !fromConstant ? undefined : toSmall(data);
    known.set(name, { shape: data.shape, dtype: data.dtype, ...(small ? { small } : {}) });
  }
  // Values computed from the inputs' data (zeros here): a node with a shape rule among them is not run (walkShapes).
  const dataDep = new Set<string>();
  if (feeds) {
    for (const i of d.inputs) {
      if (!feeds[i.name]) continue;
      known.set(i.name, { shape: feeds[i.name]!, dtype: i.dtype });
      dataDep.add(i.name);
    }
  }
  const values = new Map<string, Tensor>();
  const usesLeft = new Map<string, number>();
  for (const n of engineNodes) for (const i of n.inputs) if (i) usesLeft.set(i, (usesLeft.get(i) ?? 0) + 1);
  let probing = feeds !== null && engineNodes.size > 0;
  const materialize = (name: string): Tensor => {
    let t = values.get(name);
    if (t) return t;
    const init = d.inits.get(name);
    const k = known.get(name)!;
    t = init ? tensor(init.data.data, init.data.shape, init.data.dtype) : k.small ? tensorOf(fromSmall(k.small)) : zeros([...k.shape], { dtype: k.dtype });
    values.set(name, t);
    return t;
  };
  const release = (node: Node): void => {
    for (const i of node.inputs) {
      if (!i || !usesLeft.has(i)) continue;
      const left = usesLeft.get(i)! - 1;
      usesLeft.set(i, left);
      if (left === 0) {
        values.get(i)?.dispose();
        values.delete(i);
      }
    }
  };
  try {
    noGrad(() => {
      for (const node of d.nodes) {
        const ins = node.inputs.map((n) => (n ? known.get(n) : null));
        const ready = !ins.some((k) => k === undefined);
        const dep = !SHAPE_ONLY.has(node.opType) && node.inputs.some((n) => n && dataDep.has(n));
        if (dep) for (const o of node.outputs) if (o) dataDep.add(o);
        if (ready && node.domain === '' && FOLDABLE.has(node.opType)) {
          let r: Small[] | undefined;
          try {
            r = evalNode(node, ins as (Known | null)[], d.opset);
          } catch {
            r = undefined;
          }
          if (r) {
            node.outputs.forEach((o, k) => o && r![k] && known.set(o, { shape: r![k]!.shape, dtype: r![k]!.dtype, small: r![k]! }));
            release(node);
            continue;
          }
        }
        const rule = probing && ready && dep && engineNodes.has(node) ? ruleShapes(node, ins as (Known | null)[], (k) => intsOf(ins[k])) : undefined;
        if (rule) {
          node.outputs.forEach((o, k) => o && known.set(o, { shape: rule[k]!.shape, dtype: rule[k]!.dtype }));
          release(node);
          continue;
        }
        const kernel = kernelFor(node.opType);
        if (probing && ready && engineNodes.has(node) && kernel && node.domain === '') {
          try {
            const inputs = node.inputs.map((n) => (n ? materialize(n) : null));
            const outs = tidy(() => kernel(inputs, { node, training: false, opset: d.opset }).map((t) => keep(t)));
            outs.forEach((t, k) => {
              const name = node.outputs[k];
              if (numel(t.shape) > PROBE_VALUE_MAX) probing = false;
              if (!name || !usesLeft.has(name)) {
                if (name) known.set(name, { shape: t.shape, dtype: t.dtype });
                t.dispose();
                return;
              }
              known.set(name, { shape: t.shape, dtype: t.dtype });
              values.set(name, t);
            });
          } catch {
            // The executor reports kernel errors when the model runs; here the outputs just stay unknown.
          }
        }
        release(node);
      }
    });
  } finally {
    for (const t of values.values()) t.dispose();
  }
  return known;
}

function tensorOf(t: TensorData): Tensor {
  return tensor(t.data, t.shape, t.dtype);
}

const sameSmall = (a: Small | undefined, b: Small | undefined): boolean =>
  !!a && !!b && a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((v, i) => v === b.shape[i]) && a.data.every((v, i) => v === b.data[i] || (Number.isNaN(v) && Number.isNaN(b.data[i]!)));

/**
 * Input shapes for the two probing runs: a symbolic first dim (the batch) is 1 then 2; a static one stays (then both
 * runs are the same run). Null when another dim is symbolic or the inputs are large.
 */
function probeShapes(d: Draft, given: Readonly<Record<string, readonly number[]>>): [Record<string, number[]>, Record<string, number[]>] | null {
  const one: Record<string, number[]> = {};
  const two: Record<string, number[]> = {};
  for (const i of d.inputs) {
    const s = given[i.name] ?? i.shape;
    if (!s || s.length === 0 || s.slice(1).some((v) => typeof v !== 'number')) return null;
    const rest = s.slice(1) as number[];
    const b = typeof s[0] === 'number' && given[i.name] === undefined ? s[0] : null;
    one[i.name] = [b ?? 1, ...rest];
    two[i.name] = [b ?? 2, ...rest];
    if (numel(two[i.name]!) > PROBE_INPUT_MAX) return null;
  }
  return [one, two];
}

/**
 * The nodes an engine run must execute so that every Shape/Size node knows its input's shape, and every Reshape or
 * Slice with computed bounds knows its data input's shape (to tell a copied dim from an inferred one).
 */
function shapeAncestors(d: Draft): Set<Node> {
  const producer = new Map<string, Node>();
  for (const n of d.nodes) for (const o of n.outputs) if (o) producer.set(o, n);
  const out = new Set<Node>();
  const computed = (v: string | undefined): boolean => !!v && !d.inits.has(v);
  const stack = d.nodes.filter((n) => n.domain === '').filter((n) => n.opType === 'Shape' || n.opType === 'Size' || ((n.opType === 'Reshape' || n.opType === 'Slice') && n.inputs.slice(1).some(computed)))
    .map((n) => n.inputs[0]).filter(computed) as string[];
  while (stack.length) {
    const p = producer.get(stack.pop()!);
    if (!p || out.has(p)) continue;
    out.add(p);
    for (const i of p.inputs) if (i) stack.push(i);
  }
  return out;
}

/**
 * Folds what exporters leave behind: constant subgraphs and shape arithmetic (Shape→Gather→Unsqueeze→Concat→Reshape,
 * Slice bounds from Shape). Shapes are learnt by running the graph on zeros at batch 1 and 2, so a value that
 * differs between the runs follows the batch: a Reshape target entry that equals the input's own dim becomes 0
 * (copy), another one becomes -1; a Slice end that reaches the end of its axis in both runs becomes INT64_MAX.
 * Needs the inputs' shapes static except the batch (or given); without them only constant subgraphs fold. `walks`,
 * when given, are those two runs already made (by freeFixedBatch) and are used instead. Returns a new draft; dead nodes and unused initializers are dropped.
 */
export function foldDraft(d: Draft, given: Readonly<Record<string, readonly number[]>> = {}, walks?: readonly [Map<string, Known>, Map<string, Known>]): Draft {
  let r1: Map<string, Known>;
  let r2: Map<string, Known>;
  if (walks) {
    [r1, r2] = walks;
  } else {
    const shapes = probeShapes(d, given);
    const engine = shapes && d.nodes.some((n) => n.opType === 'Shape' || n.opType === 'Size') ? shapeAncestors(d) : new Set<Node>();
    const batchFree = shapes && Object.keys(shapes[0]).every((k) => shapes[0][k]![0] === shapes[1][k]![0]);
    r1 = walk(d, shapes ? shapes[0] : null, engine);
    r2 = shapes && !batchFree ? walk(d, shapes[1], engine) : r1;
  }
  const inits = new Map(d.inits);
  const used = new Set<string>([...d.nodes.flatMap((n) => n.inputs), ...d.nodes.flatMap((n) => n.outputs), ...d.inputs.map((i) => i.name), ...inits.keys()]);
  const fresh = (hint: string): string => {
    let name = hint;
    for (let k = 1; used.has(name); k++) name = `${hint}_${k}`;
    used.add(name);
    return name;
  };
  const constant = (name: string): Small | undefined => {
    const a = r1.get(name)?.small;
    return a && sameSmall(a, r2.get(name)?.small) ? a : undefined;
  };
  // 1. Nodes whose every output is the same constant in both runs become initializers (when someone reads them).
  const folded = new Set<Node>();
  for (const n of d.nodes) {
    if (n.domain !== '' || !FOLDABLE.has(n.opType) || n.outputs.length === 0) continue;
    if (n.outputs.every((o) => !o || constant(o))) folded.add(n);
  }
  const out = new Set(d.outputs.map((o) => o.name));
  const nodes: Node[] = [];
  for (const n of d.nodes) {
    if (folded.has(n)) continue;
    nodes.push(rewrite(n, r1, r2, constant, inits, fresh));
  }
  for (const n of d.nodes) {
    if (!folded.has(n)) continue;
    for (const o of n.outputs) if (o && !inits.has(o)) inits.set(o, { data: fromSmall(constant(o)!), fromConstant: true });
  }
  // 2. Dead-code elimination from the graph outputs.
  const live = new Set(out);
  const keepNodes: Node[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.outputs.some((o) => o && live.has(o))) continue;
    keepNodes.push(n);
    for (const v of n.inputs) if (v) live.add(v);
  }
  keepNodes.reverse();
  for (const name of [...inits.keys()]) if (!live.has(name)) inits.delete(name);
  return { ...d, nodes: keepNodes, inits };
}

/** Rewrites a Reshape target or Slice ends that follow the batch into constants (see foldDraft). */
function rewrite(
  n: Node, r1: Map<string, Known>, r2: Map<string, Known>, constant: (name: string) => Small | undefined,
  inits: Draft['inits'], fresh: (hint: string) => string,
): Node {
  const put = (hint: string, values: number[]): string => {
    const name = fresh(hint);
    inits.set(name, { data: fromSmall({ dtype: 'int64', shape: [values.length], data: values }), fromConstant: true });
    return name;
  };
  if (n.opType === 'Reshape' && n.inputs[1] && !constant(n.inputs[1])) {
    const a = r1.get(n.inputs[1])?.small?.data;
    const b = r2.get(n.inputs[1])?.small?.data;
    const in1 = r1.get(n.inputs[0]!)?.shape;
    const in2 = r2.get(n.inputs[0]!)?.shape;
    const allowZero = n.attrs['allowzero']?.value === 1;
    if (!a || !b || !in1 || !in2 || a.length !== b.length || allowZero) return n;
    const target = a.map((v, i) => (v === b[i] ? v : i < in1.length && in1[i] === v && in2[i] === b[i] ? 0 : -1));
    if (target.filter((v) => v === -1).length > 1) return n;
    return { ...n, inputs: [n.inputs[0]!, put(`${n.name}_shape`, target)] };
  }
  if (n.opType === 'Slice' && n.inputs[2] && !constant(n.inputs[2])) {
    const ok = [1, 3, 4].every((i) => !n.inputs[i] || constant(n.inputs[i]!));
    const a = r1.get(n.inputs[2])?.small?.data;
    const b = r2.get(n.inputs[2])?.small?.data;
    const d1 = r1.get(n.inputs[0]!)?.shape;
    const d2 = r2.get(n.inputs[0]!)?.shape;
    if (!ok || !a || !b || !d1 || !d2 || a.length !== b.length) return n;
    const axes = n.inputs[3] ? constant(n.inputs[3])!.data : a.map((_, i) => i);
    const ends: number[] = [];
    for (let j = 0; j < a.length; j++) {
      if (a[j] === b[j]) ends.push(a[j]!);
      else {
        const ax = axes[j]! < 0 ? axes[j]! + d1.length : axes[j]!;
        if (!(a[j]! >= d1[ax]! && b[j]! >= d2[ax]!)) return n;
        ends.push(Number.MAX_VALUE); // written as INT64_MAX
      }
    }
    const inputs = [...n.inputs];
    inputs[2] = put(`${n.name}_ends`, ends);
    return { ...n, inputs };
  }
  return n;
}
