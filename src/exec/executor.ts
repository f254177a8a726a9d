import { clone, tidy, type Tensor } from '../tensor/index.js';
import { type Graph, GraphError, fixedBatchOf, type Node } from '../graph/index.js';
import { kernelFor, type BatchRows, type KernelContext } from './kernel.js';
import { fusedGates } from './fusion.js';
import type { GlobalBatchNorm } from './global-batch-norm.js';
import './kernels/index.js';

export type RunOptions = {
  /** Training mode: BatchNorm uses batch statistics and updates its running ones; Dropout drops. Default false. */
  training?: boolean;
  /** Values to return besides the graph outputs (e.g. features for distillation or Taylor importance). */
  extraOutputs?: readonly string[];
  /** With training: BatchNorm computed by this pass's GlobalBatchNorm (the statistics of the global batch, of which a data-parallel process has a shard). */
  globalBatchNorm?: GlobalBatchNorm;
  /** With training: where this pass's rows lie in the global batch (Dropout's masks are drawn for all of it). */
  batchRows?: BatchRows;
};

/** The graph's op types that no kernel runs, each with the first node that uses it. */
export function unsupportedNodes(g: Graph): { opType: string; node: string }[] {
  const seen = new Map<string, string>();
  for (const n of g.nodes) if ((n.domain !== '' && n.domain !== 'ai.onnx') || !kernelFor(n.opType)) if (!seen.has(n.opType)) seen.set(n.opType, n.name);
  return [...seen].map(([opType, node]) => ({ opType, node }));
}

function fail(node: Node, e: unknown): never {
  if (e instanceof GraphError) throw e;
  const msg = e instanceof Error ? e.message : String(e);
  throw new GraphError(`node '${node.name}' (${node.opType}): ${msg}`, undefined, node.name);
}

/**
 * Runs the graph on the engine (with autograd when grad mode is on). Returns the graph outputs and any extra
 * outputs by name; every intermediate value is disposed as soon as its last reader has run.
 */
export function runGraph(g: Graph, feeds: Readonly<Record<string, Tensor>>, o: RunOptions = {}): Record<string, Tensor> {
  const values = new Map<string, Tensor>();
  for (const [name, init] of g.initializers) values.set(name, init.tensor);
  for (const i of g.inputs) {
    const t = feeds[i.name];
    if (!t) throw new GraphError(`graph input '${i.name}' was not given`);
    values.set(i.name, t);
  }
  const fixed = fixedBatchOf(g);
  const off = fixed && g.inputs.find((i) => feeds[i.name]!.shape[0] !== fixed.batch);
  if (fixed && off) throw new GraphError(`input '${off.name}' has batch ${feeds[off.name]!.shape[0]}, but ${fixed.reason}`);
  const wanted = new Set([...g.outputs.map((v) => v.name), ...(o.extraOutputs ?? [])]);
  const owned = new Set<string>();
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  const training = o.training ?? false;
  const fused = fusedGates(g, uses, wanted);
  const gates = new Set([...fused.values()].map((f) => f.gate));
  // An input's last reader has run: free it unless it is the caller's or asked for.
  const release = (node: Node): void => {
    for (const name of node.inputs) {
      if (!name || !owned.has(name) || wanted.has(name)) continue;
      const left = (uses.get(name) ?? 1) - 1;
      uses.set(name, left);
      if (left === 0) {
        values.get(name)!.dispose();
        values.delete(name);
        owned.delete(name);
      }
    }
  };
  try {
    for (const node of g.nodes) {
      if (gates.has(node)) {
        release(node);
        continue;
      }
      const kernel = kernelFor(node.opType);
      if (!kernel) throw new GraphError(`node '${node.name}': op ${node.opType} is not supported`, undefined, node.name);
      const f = fused.get(node);
      const inputs = f ? [] : node.inputs.map((name) => (name ? values.get(name) ?? null : null));
      const ctx: KernelContext = { node, training, opset: g.opset, ...(training && o.globalBatchNorm ? { globalBatchNorm: o.globalBatchNorm } : {}), ...(training && o.batchRows ? { batchRows: o.batchRows } : {}) };
      let outs: Tensor[];
      try {
        // Outputs leave the kernel's scope for the caller's, where values disposed below are simply gone already.
        outs = tidy(() => (f ? [f.op(values.get(f.x)!)] : kernel(inputs, ctx)));
      } catch (e) {
        fail(node, e);
      }
      node.outputs.forEach((name, k) => {
        const t = outs[k];
        if (!name || !t) return t?.dispose();
        values.set(name, t);
        owned.add(name);
      });
      release(node);
    }
  } catch (e) {
    for (const name of owned) values.get(name)?.dispose();
    throw e;
  }
  const out: Record<string, Tensor> = {};
  for (const name of wanted) {
    const t = values.get(name);
    if (!t) throw new GraphError(`value '${name}' was not computed`);
    // A graph output that is an input or initializer is returned as a copy, so callers may always dispose.
    out[name] = owned.has(name) ? t : clone(t);
  }
  return out;
}
