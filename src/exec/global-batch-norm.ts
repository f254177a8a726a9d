import { add, callAten, cast, cat, clone, copyInto, detach, div, full, keep, mul, narrow, noGrad, reshape, sub, tidy, zeros, zerosLike, type Tensor } from '../tensor/index.js';
import { attrInt, type Graph, type Node } from '../graph/index.js';

/** Sums tensors element-wise across the processes of a data-parallel group, in place (every process calls it alike). */
export type SumAcross = (tensors: readonly Tensor[]) => void;

/** One training-mode BatchNorm of a data-parallel forward pass, as its backward needs it. */
type Layer = {
  /** The layer's input as the graph computed it (null when nothing upstream is trained). */
  input: Tensor | null;
  /** The same values as a leaf, whose gradient collects everything downstream of the layer. */
  leaf: Tensor;
  /** This process's per-channel sums of x - shift and (x - shift)² (float64), differentiable in `leaf`. */
  local: Tensor;
  /** Those sums over all processes, then the count, as a leaf that collects this process's gradient for them. */
  global: Tensor;
};

/** Per-channel sum of a float tensor over `axes`, accumulated and returned in float64. */
const sum64 = (t: Tensor, axes: number[]): Tensor => callAten('sum', 'dim_IntList', t, axes, false, 'float64');

/**
 * Training-mode BatchNorm on the statistics of the whole global batch, computed one way whether one process trains
 * on it or each process of a data-parallel group on its shard (PyTorch's SyncBatchNorm), so that both make the same
 * update up to the order of float additions. The per-channel sums of x and x² are shifted by the running mean and
 * accumulated in float64, which keeps E[x²] - E[x]² about as exact as float32 allows (libtorch's float32 batch_norm
 * on CPU is off by up to ~1e-5 of a value's scale on a 64 x 28 x 28 batch).
 *
 * With a group (`sumAcross`), the forward pass sums the shards' statistics across processes, and backward() sums
 * each layer's gradient for them across processes before it flows on into the layer's input: the graph is cut at
 * each layer's input, and backward() runs the loss's backward, then, from the last layer to the first, that layer's
 * summed gradient and its input's backward (retaining the graph, which paths around a layer such as residual
 * connections traverse more than once). One object serves one forward and backward pass; dispose() frees it.
 */
export class GlobalBatchNorm {
  readonly #sumAcross: SumAcross | null;
  readonly #layers: Layer[] = [];

  /** `sumAcross`: the group's sum, or null for a single process (plain autograd, nothing kept). */
  constructor(sumAcross: SumAcross | null) {
    this.#sumAcross = sumAcross;
  }

  /** The executor's training-mode BatchNormalization; updates the running statistics in place. */
  normalize(input: Tensor, scale: Tensor, bias: Tensor, runMean: Tensor, runVar: Tensor, eps: number, momentum: number): Tensor {
    // BatchNorm computes in float32 under bf16 autocast, as libtorch's batch_norm does (its fp32 list).
    const x = input.dtype === 'bfloat16' || input.dtype === 'float16' ? cast(input, 'float32') : input;
    const C = x.shape[1]!;
    const axes = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2)];
    const bshape = [1, C, ...Array.from({ length: x.rank - 2 }, () => 1)];
    const count = x.shape[0]! * x.shape.slice(2).reduce((a, b) => a * b, 1);
    const shift = noGrad(() => clone(detach(runMean)));
    let leaf = x;
    let stats: Tensor;
    let n = count;
    if (this.#sumAcross) {
      leaf = keep(detach(x));
      leaf.requiresGrad = true;
      const d = sub(leaf, reshape(cast(shift, x.dtype), bshape));
      const local = keep(cat([sum64(d, axes), sum64(mul(d, d), axes)]));
      const global = keep(noGrad(() => cat([detach(local), full([1], count, { dtype: 'float64', device: x.device })])));
      this.#sumAcross([global]);
      global.requiresGrad = true;
      this.#layers.push({ input: x.requiresGrad ? keep(reshape(x, x.shape)) : null, leaf, local, global });
      n = noGrad(() => narrow(global, 0, 2 * C, 1).item());
      stats = narrow(global, 0, 0, 2 * C);
    } else {
      const d = sub(x, reshape(cast(shift, x.dtype), bshape));
      stats = cat([sum64(d, axes), sum64(mul(d, d), axes)]);
    }
    if (n < 2) throw new Error(`BatchNorm needs more than one value per channel in training, the batch has ${n}`);
    const offset = div(narrow(stats, 0, 0, C), n);
    const variance = sub(div(narrow(stats, 0, C, C), n), mul(offset, offset));
    const mean = add(offset, cast(shift, 'float64'));
    const invStd = callAten('rsqrt', '', add(variance, eps));
    noGrad(() => {
      copyInto(runMean, add(mul(runMean, 1 - momentum), mul(cast(detach(mean), runMean.dtype), momentum)));
      copyInto(runVar, add(mul(runVar, 1 - momentum), mul(cast(mul(detach(variance), n / (n - 1)), runVar.dtype), momentum)));
    });
    const a = mul(reshape(cast(invStd, x.dtype), bshape), reshape(scale, bshape));
    return add(mul(sub(leaf, reshape(cast(mean, x.dtype), bshape)), a), reshape(bias, bshape));
  }

  /**
   * Backpropagates `loss` through the pass; with a group, the gradients are those of the loss summed over its
   * processes (`loss` is null on a process whose shard is empty or whose loss is not finite: it still takes part in
   * every sum).
   */
  backward(loss: Tensor | null): void {
    if (!this.#sumAcross) {
      loss?.backward();
      return;
    }
    if (loss) loss.backward(undefined, { retainGraph: true });
    for (const layer of [...this.#layers].reverse()) {
      tidy(() => {
        const g = layer.global.grad ?? zerosLike(layer.global);
        this.#sumAcross!([g]);
        // the leaf's gradient gains this process's share of the statistics' summed gradient
        const C2 = layer.local.shape[0]!;
        callAten('dot', '', narrow(g, 0, 0, C2), layer.local).backward(undefined, { retainGraph: true });
        const into = layer.leaf.grad;
        if (layer.input && into) layer.input.backward(into, { retainGraph: true });
      });
    }
  }

  /**
   * A process of a group whose shard is empty: the sums that the others' forward and backward passes of graph `g`
   * make, with zeros (its own forward pass would have no rows to run on).
   */
  idle(g: Graph): void {
    if (!this.#sumAcross) return;
    const sizes = trainedBatchNorms(g).map((node) => 2 * g.initializers.get(node.inputs[1]!)!.tensor.shape[0]! + 1);
    for (const s of [...sizes, ...[...sizes].reverse()]) tidy(() => this.#sumAcross!([zeros([s], { dtype: 'float64' })]));
  }

  /** Frees what the pass kept (and with it the autograd graph). */
  dispose(): void {
    for (const l of this.#layers.splice(0)) for (const t of [l.input, l.leaf, l.local, l.global]) t?.dispose();
  }
}

/** The BatchNormalization nodes that take the executor's training path (not ONNX's functional training form). */
export function trainedBatchNorms(g: Graph): Node[] {
  return g.nodes.filter((n) => n.opType === 'BatchNormalization' && !onnxTrainingForm(n));
}

/** A node that asks for training itself (training_mode=1, or the running-statistics outputs). */
export function onnxTrainingForm(n: Node): boolean {
  return n.outputs.slice(1).some((o) => o) || attrInt(n, 'training_mode', 0) === 1;
}
