import { callAten, callAtenMany, callAtenOptional, cast, cat, copyInto, customFunction, detach, keep, mul, noGrad, reshape, sub, tensor, tidy, toDevice, zeros, zerosLike, type Tensor } from '../tensor/index.js';
import { attrInt, type Graph, type Node } from '../graph/index.js';

/** Sums tensors element-wise across the processes of a data-parallel group, in place (every process calls it alike). */
export type SumAcross = (tensors: readonly Tensor[]) => void;

/** What one training-mode BatchNorm's backward needs. */
type Saved = {
  /** The layer's input less the running mean (float32 under bf16 autocast), without its history. */
  d: Tensor;
  /** The scale (in d's dtype, without history), and which of d, scale and bias take a gradient. */
  scale: Tensor;
  wanted: boolean[];
  /** The global batch's mean of d and 1/sqrt(var + eps) per channel, and how many values it holds per channel. */
  offset: Tensor;
  invStd: Tensor;
  count: number;
  eps: number;
};

const sumOver = (t: Tensor, dims: number[], dtype: string | null = null): Tensor => callAten('sum', 'dim_IntList', t, dims, false, dtype);
const f32 = (t: Tensor): Tensor => (t.dtype === 'float32' ? t : cast(t, 'float32'));
/** `t` in the dtype of `of`. */
const like = (t: Tensor, of: Tensor): Tensor => (t.dtype === of.dtype ? t : cast(t, of.dtype));
const onDevice = (t: Tensor, device: string): Tensor => (device === 'cpu' ? t : toDevice(t, device));

/** Per-channel values as a tensor in the dtype and on the device of `of` (float32 on the host first). */
function perChannel(v: Float64Array, of: Tensor): Tensor {
  return onDevice(like(tensor(Float32Array.from(v), [v.length]), of), of.device);
}

/** The inference kernel computing x * a + c per channel (mean 0, var 1, eps 0), a and c given in float64. */
function affine(x: Tensor, a: Float64Array, c: Float64Array): Tensor {
  const C = a.length;
  return callAtenMany('native_batch_norm', '', x, perChannel(a, x), perChannel(c, x), perChannel(new Float64Array(C), x), perChannel(new Float64Array(C).fill(1), x), false, 0, 0)[0]!;
}

/**
 * Training-mode BatchNorm on the statistics of the whole global batch, computed one way whether one process trains
 * on it or each process of a data-parallel group on its shard (PyTorch's SyncBatchNorm), so that both make the same
 * update up to the order of float additions. Each row's per-channel sums of x - shift and (x - shift)² (shifted by
 * the running mean) are taken in float32, which no split of the batch changes, and added over the rows in float64:
 * E[x²] - E[x]² stays about as exact as float32 allows (libtorch's float32 batch_norm on CPU is off by up to ~1e-5
 * of a value's scale on a 64 x 28 x 28 batch).
 *
 * Forward and backward run libtorch's fused kernels on those statistics (the inference kernel, and batch_norm's
 * backward), joined to autograd as one custom function per layer. With a group (`sumAcross`), the forward pass sums
 * the statistics across processes and the backward the per-channel sums of the output's gradient, so each process's
 * input gradient is the one of the global batch's loss. One object serves one forward and backward pass; dispose()
 * frees what it saved.
 */
export class GlobalBatchNorm {
  readonly #sumAcross: SumAcross | null;
  readonly #layers: { saved: Saved; done: boolean }[] = [];

  /** `sumAcross`: the group's sum, or null for a single process. */
  constructor(sumAcross: SumAcross | null) {
    this.#sumAcross = sumAcross;
  }

  /** The executor's training-mode BatchNormalization; updates the running statistics in place. */
  normalize(input: Tensor, scale: Tensor, bias: Tensor, runMean: Tensor, runVar: Tensor, eps: number, momentum: number): Tensor {
    const C = input.shape[1]!;
    const spatial = Array.from({ length: input.rank - 2 }, (_, i) => i + 2);
    const count = input.shape[0]! * input.shape.slice(2).reduce((a, b) => a * b, 1);
    // the input less the running mean, the layer's input from here on (the statistics are exact to float32 with it,
    // and so is the output); in float32 under bf16 autocast, as libtorch's batch_norm computes (its fp32 list)
    const shift = f32(detach(runMean));
    const d = sub(input, reshape(shift, [1, C, ...spatial.map(() => 1)]));
    const { saved, y } = noGrad(() => tidy(() => {
      // the per-channel arithmetic is a few dozen numbers: done here in float64, not as a dozen tiny tensor ops
      const rows = (t: Tensor): Float32Array => f32(spatial.length ? sumOver(t, spatial) : t).data() as Float32Array;
      const dd = detach(d);
      let sums: Float64Array<ArrayBufferLike> = new Float64Array(2 * C + 1);
      [rows(dd), rows(mul(dd, dd))].forEach((r, k) => {
        for (let i = 0; i < r.length; i++) sums[k * C + (i % C)]! += r[i]!;
      });
      sums[2 * C] = count;
      if (this.#sumAcross) {
        const t = tensor(sums, [2 * C + 1], 'float64');
        this.#sumAcross([t]);
        sums = t.data() as Float64Array;
      }
      const n = sums[2 * C]!;
      if (n < 2) throw new Error(`BatchNorm needs more than one value per channel in training, the batch has ${n}`);
      const [m0, rv, w, b] = [shift, runVar, scale, bias].map((t) => f32(detach(t)).data()) as Float32Array[];
      const [offset, invStd, newMean, newVar, a, c] = Array.from({ length: 6 }, () => new Float64Array(C));
      for (let i = 0; i < C; i++) {
        offset[i] = sums[i]! / n;
        const variance = sums[C + i]! / n - offset[i]! * offset[i]!;
        invStd[i] = 1 / Math.sqrt(variance + eps);
        newMean[i] = m0![i]! * (1 - momentum) + Math.fround(offset[i]! + m0![i]!) * momentum;
        newVar[i] = rv![i]! * (1 - momentum) + Math.fround(variance * (n / (n - 1))) * momentum;
        // y = d * a + c with a = scale / std and c = bias - (mean - shift) * a
        a[i] = invStd[i]! * w![i]!;
        c[i] = b![i]! - offset[i]! * a[i]!;
      }
      copyInto(runMean, perChannel(newMean, runMean));
      copyInto(runVar, perChannel(newVar, runVar));
      const saved: Saved = {
        d: keep(dd), scale: keep(like(detach(scale), dd)), wanted: [d.requiresGrad, scale.requiresGrad, bias.requiresGrad],
        offset: keep(perChannel(offset, dd)), invStd: keep(perChannel(invStd, dd)), count: n, eps,
      };
      return { saved, y: keep(affine(dd, a, c)) };
    }));
    const layer = { saved, done: false };
    this.#layers.push(layer);
    const [out] = customFunction([d, scale, bias], [y], ([dy]) => {
      layer.done = true;
      return this.#layerBackward(saved, dy ?? null);
    });
    y.dispose();
    d.dispose();
    return out!;
  }

  /**
   * Backpropagates `loss` through the pass; with a group, the gradients are those of the loss summed over its
   * processes (`loss` is null on a process whose shard is empty or whose loss is not finite: it still takes part in
   * every sum, in the order the others make them, from the last layer to the first).
   */
  backward(loss: Tensor | null): void {
    if (loss) loss.backward();
    if (!this.#sumAcross) return;
    for (const layer of [...this.#layers].reverse()) if (!layer.done) tidy(() => this.#layerBackward(layer.saved, null));
  }

  /** One layer's gradients of d, scale and bias from its output's (null: none reached it; a group still sums). */
  #layerBackward(s: Saved, dy: Tensor | null): (Tensor | null)[] {
    const C = s.offset.shape[0]!;
    const kernel = (mask: boolean[]): (Tensor | null)[] => callAtenOptional('native_batch_norm_backward', '', dy, s.d, s.scale, null, null, s.offset, s.invStd, true, s.eps, mask);
    if (!this.#sumAcross) return dy ? kernel(s.wanted) : [null, null, null];
    // this process's sums of dy x̂ and dy (its scale's and bias's gradients), then the group's, for the input's
    const [, dw, db] = dy ? kernel([false, true, true]) : [null, zerosLike(s.offset), zerosLike(s.offset)];
    const sums = cat([dw!, db!]);
    this.#sumAcross([sums]);
    if (!dy) return [null, null, null];
    let dd: Tensor | null = null;
    if (s.wanted[0]) {
      // dd = (dy - Σdy / n - x̂ Σ(dy x̂) / n) * scale / std = dy * k1 + d * k2 + k3
      const [g, w, m, is] = [sums, s.scale, s.offset, s.invStd].map((t) => f32(t).data()) as Float32Array[];
      const [k1, k2, k3] = Array.from({ length: 3 }, () => new Float64Array(C));
      for (let i = 0; i < C; i++) {
        k1[i] = is![i]! * w![i]!;
        k2[i] = (-k1[i]! * is![i]! * g![i]!) / s.count;
        k3[i] = (-k1[i]! * g![C + i]!) / s.count - m![i]! * k2[i]!;
      }
      dd = callAten('addcmul', '', affine(s.d, k2, k3), dy, reshape(perChannel(k1, s.d), [1, C, ...s.d.shape.slice(2).map(() => 1)]), 1);
    }
    return [dd, s.wanted[1] ? dw! : null, s.wanted[2] ? db! : null];
  }

  /**
   * A process of a group whose shard is empty: the sums that the others' forward and backward passes of graph `g`
   * make, with zeros (its own forward pass would have no rows to run on).
   */
  idle(g: Graph): void {
    if (!this.#sumAcross) return;
    const channels = trainedBatchNorms(g).map((node) => g.initializers.get(node.inputs[1]!)!.tensor.shape[0]!);
    for (const c of channels) tidy(() => this.#sumAcross!([zeros([2 * c + 1], { dtype: 'float64' })]));
    for (const c of [...channels].reverse()) tidy(() => this.#sumAcross!([zeros([2 * c])]));
  }

  /** Frees what the pass kept (and with it the autograd graph). */
  dispose(): void {
    for (const { saved: s } of this.#layers.splice(0)) for (const t of [s.d, s.scale, s.offset, s.invStd]) t.dispose();
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
