import { clone as cloneTensor, detach, noGrad, tidy, keep, type Tensor } from '../tensor/index.js';
import { WhittleError } from '../errors.js';
import type { Initializer, InitializerKind, Node, ValueInfo } from './ir.js';

/** Thrown for a graph that is not a valid DAG (a value used before it is made, made twice, a cycle). */
export class GraphError extends WhittleError {
  constructor(message: string, readonly issues: readonly string[] = [message], nodeName?: string) {
    super('E_GRAPH', message, { details: { issues, ...(nodeName === undefined ? {} : { nodeName }) } });
  }
}

/** A graph that stays at the batch it was exported with, and why it could not be freed (the node and the remedy). */
export type FixedBatch = { readonly batch: number; readonly reason: string };

const fixedBatches = new WeakMap<Graph, FixedBatch>();

/** Records that `g` only runs at `fixed.batch` (set at import, kept by clone(); the executor refuses other batches). */
export function markFixedBatch(g: Graph, fixed: FixedBatch): void {
  fixedBatches.set(g, fixed);
}

export function fixedBatchOf(g: Graph): FixedBatch | undefined {
  return fixedBatches.get(g);
}

export type GraphParts = {
  name?: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: Node[];
  initializers: Map<string, Initializer>;
  opset?: number;
  metadata?: Record<string, string>;
};

/**
 * A model: nodes in topological order over named values, plus the tensors it owns. Construction checks the DAG
 * (every problem reported at once) and sorts the nodes. The graph owns its initializer tensors: dispose() frees them.
 */
export class Graph {
  name: string;
  readonly inputs: ValueInfo[];
  readonly outputs: ValueInfo[];
  readonly nodes: Node[];
  readonly initializers: Map<string, Initializer>;
  opset: number;
  readonly metadata: Record<string, string>;
  /** Shapes and dtypes of every value, filled by inferShapes(). */
  readonly valueInfo = new Map<string, ValueInfo>();

  constructor(p: GraphParts) {
    this.name = p.name ?? 'graph';
    this.inputs = p.inputs;
    this.outputs = p.outputs;
    this.initializers = p.initializers;
    // The graph owns its tensors: no enclosing tidy() may dispose them.
    for (const { tensor } of p.initializers.values()) keep(tensor);
    this.opset = p.opset ?? 13;
    this.metadata = p.metadata ?? {};
    const { order, issues } = topoSort(p.nodes, new Set([...p.inputs.map((i) => i.name), ...p.initializers.keys()]), p.outputs.map((o) => o.name));
    if (issues.length) throw new GraphError(`invalid graph: ${issues[0]}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, issues);
    this.nodes = order;
  }

  /** The node that makes each value. */
  producers(): Map<string, Node> {
    const m = new Map<string, Node>();
    for (const n of this.nodes) for (const o of n.outputs) if (o) m.set(o, n);
    return m;
  }

  /** The nodes that read each value, in order. */
  consumers(): Map<string, Node[]> {
    const m = new Map<string, Node[]>();
    for (const n of this.nodes) {
      for (const i of n.inputs) {
        if (!i) continue;
        const list = m.get(i);
        if (list) list.push(n);
        else m.set(i, [n]);
      }
    }
    return m;
  }

  /** Initializers of one kind, by name, in insertion order. */
  tensorsOf(kind: InitializerKind): [string, Tensor][] {
    return [...this.initializers].filter(([, i]) => i.kind === kind).map(([n, i]) => [n, i.tensor]);
  }

  /** The trainable tensors (requiring grad). */
  parameters(): Tensor[] {
    return this.tensorsOf('param').map(([, t]) => t);
  }

  /** Number of parameter elements (BatchNorm running statistics are buffers and not counted, as in PyTorch). */
  parameterCount(): number {
    return this.tensorsOf('param').reduce((n, [, t]) => n + t.numel, 0);
  }

  /** Replaces an initializer's tensor (disposing the old one); params keep requiring grad. */
  setTensor(name: string, t: Tensor): void {
    const old = this.initializers.get(name);
    if (!old) throw new GraphError(`no initializer named '${name}'`);
    if (old.tensor === t) return;
    if (old.kind === 'param') t.requiresGrad = true;
    keep(t);
    this.initializers.set(name, { tensor: t, kind: old.kind });
    old.tensor.dispose();
  }

  /**
   * A deep copy: new tensors with the same values, nodes and metadata copied; `channelsLast` lays the 4-D tensors out
   * channels last (the engine's fast conv path) in the same copy.
   */
  clone(o: { channelsLast?: boolean } = {}): Graph {
    const inits = new Map<string, Initializer>();
    noGrad(() => {
      for (const [name, { tensor, kind }] of this.initializers) {
        const t = tidy(() => keep(cloneTensor(detach(tensor), o.channelsLast && tensor.rank === 4 ? 'channels_last' : null)));
        if (kind === 'param') t.requiresGrad = true;
        inits.set(name, { tensor: t, kind });
      }
    });
    const g = new Graph({
      name: this.name,
      inputs: this.inputs.map((v) => ({ ...v })),
      outputs: this.outputs.map((v) => ({ ...v })),
      nodes: this.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } })),
      initializers: inits,
      opset: this.opset,
      metadata: { ...this.metadata },
    });
    for (const [k, v] of this.valueInfo) g.valueInfo.set(k, v);
    const fixed = fixedBatches.get(this);
    if (fixed) fixedBatches.set(g, fixed);
    return g;
  }

  dispose(): void {
    for (const { tensor } of this.initializers.values()) tensor.dispose();
  }
}

/**
 * Kahn's algorithm, stable in the given order: the nodes sorted, and every dangling input, duplicate output and
 * cycle found (all at once; the order is only meaningful when there are none). `given` are the graph's inputs and
 * initializers.
 */
export function topoSort(nodes: readonly Node[], given: ReadonlySet<string>, outputs: readonly string[]): { order: Node[]; issues: string[] } {
  const issues: string[] = [];
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (!o) continue;
      if (producer.has(o) || given.has(o)) issues.push(`value '${o}' is produced twice (node '${n.name}')`);
      producer.set(o, i);
    }
  });
  const indegree = nodes.map(() => 0);
  const users = nodes.map((): number[] => []);
  nodes.forEach((n, i) => {
    for (const v of n.inputs) {
      if (!v || given.has(v)) continue;
      const p = producer.get(v);
      if (p === undefined) issues.push(`node '${n.name}' (${n.opType}) reads '${v}', which nothing produces`);
      else {
        indegree[i]!++;
        users[p]!.push(i);
      }
    }
  });
  for (const o of outputs) if (!given.has(o) && !producer.has(o)) issues.push(`graph output '${o}' is not produced by any node`);
  const ready: number[] = [];
  indegree.forEach((d, i) => d === 0 && ready.push(i));
  const order: Node[] = [];
  for (let k = 0; k < ready.length; k++) {
    const i = ready[k]!;
    order.push(nodes[i]!);
    for (const u of users[i]!) if (--indegree[u]! === 0) ready.push(u);
  }
  if (order.length !== nodes.length && issues.length === 0) {
    const stuck = nodes.filter((_, i) => indegree[i]! > 0).map((n) => `'${n.name}'`);
    issues.push(`the graph has a cycle through ${stuck.slice(0, 5).join(', ')}`);
  }
  return { order, issues };
}
