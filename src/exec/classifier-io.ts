// How a classifier graph is fed (images in either layout) and read (its logits).
import { permute, type Tensor } from '../tensor/index.js';
import { attrInt, type Dim, type Graph } from '../graph/index.js';

/** How a model takes images: [N, C, H, W] (PyTorch), or channels last, [N, H, W, C] (Keras and TensorFlow exports). */
export type InputLayout = 'nchw' | 'nhwc';

const fits = (dims: readonly Dim[], want: readonly number[]): boolean => dims.every((d, i) => typeof d !== 'number' || d === want[i]);

/**
 * The layout in which a one-input graph takes images of `image` = [C, H, W]: 'nchw' when its input's fixed dims
 * allow it (or the input's shape is unknown), else 'nhwc' when they fit [H, W, C], else null.
 */
export function inputLayout(g: Graph, image: readonly number[]): InputLayout | null {
  const s = g.inputs[0]?.shape;
  if (!s) return 'nchw';
  if (s.length !== 4 || image.length !== 3) return null;
  const [c, h, w] = image as [number, number, number];
  if (fits(s.slice(1), [c, h, w])) return 'nchw';
  if (fits(s.slice(1), [h, w, c])) return 'nhwc';
  return null;
}

/** The shape of one batch of `n` images of `image` = [C, H, W] as the graph takes it. */
export function imageInputShape(g: Graph, image: readonly number[], n = 1): number[] {
  const [c, h, w] = image as [number, number, number];
  return inputLayout(g, image) === 'nhwc' ? [n, h, w, c] : [n, ...image];
}

/**
 * The feeds that give a graph a batch of images x = [N, C, H, W]: x itself, or for a channels-last input x permuted
 * to [N, H, W, C] (a view, and a dense one when x is stored channels last, as batchOnDevice stores it).
 */
export function imageFeeds(g: Graph, x: Tensor): Record<string, Tensor> {
  const name = g.inputs[0]!.name;
  return { [name]: x.rank === 4 && inputLayout(g, x.shape.slice(1)) === 'nhwc' ? permute(x, [0, 2, 3, 1]) : x };
}

/**
 * The value that holds a classifier's logits: its output, or the input of the Softmax that makes its output (Keras
 * models end in one), so that losses, distillation and the teacher cache see logits and the saved model keeps the
 * Softmax. A LogSoftmax output is left as it is: it differs from the logits by a shift per row, which no loss sees.
 */
export function logitsValue(g: Graph): string {
  const out = g.outputs[0]!.name;
  const p = g.nodes.find((n) => n.outputs[0] === out);
  if (p?.opType !== 'Softmax' || p.domain !== '' || !p.inputs[0]) return out;
  const rank = g.valueInfo.get(out)?.shape?.length ?? g.outputs[0]!.shape?.length ?? 2;
  const axis = attrInt(p, 'axis', g.opset >= 13 ? -1 : 1);
  return axis === -1 || axis === rank - 1 ? p.inputs[0] : out;
}
