// How a classifier graph is fed (images in the layout its input takes) and read (its logits).
import { permute, reshape, type Tensor } from '../tensor/index.js';
import { attrInt, type Dim, type Graph } from '../graph/index.js';

/**
 * How a model takes images: [N, C, H, W] (PyTorch); channels last, [N, H, W, C] (Keras and TensorFlow exports); or,
 * for one-channel images, flattened to [N, H*W] or as [N, H, W] (multilayer perceptrons, Keras' Flatten input).
 */
export type InputLayout = 'nchw' | 'nhwc' | 'flat' | 'hw';

const fits = (dims: readonly Dim[], want: readonly number[]): boolean => dims.length === want.length && dims.every((d, i) => typeof d !== 'number' || d === want[i]);

/**
 * The layout in which a one-input graph takes images of `image` = [C, H, W]: 'nchw' when its input's fixed dims
 * allow it (or the input's shape is unknown), else 'nhwc' when they fit [H, W, C]; for grey images, 'flat' for an
 * input [N, H*W] and 'hw' for [N, H, W]; else null.
 */
export function inputLayout(g: Graph, image: readonly number[]): InputLayout | null {
  const s = g.inputs[0]?.shape;
  if (!s) return 'nchw';
  if (image.length !== 3) return null;
  const [c, h, w] = image as [number, number, number];
  const dims = s.slice(1);
  if (fits(dims, [c, h, w])) return 'nchw';
  if (fits(dims, [h, w, c])) return 'nhwc';
  if (c === 1 && s.length === 2 && s[1] === h * w) return 'flat';
  if (c === 1 && s.length === 3 && typeof s[1] === 'number' && fits(dims, [h, w])) return 'hw';
  return null;
}

/** The shape of a batch of `n` images of `image` = [C, H, W] in a layout ([N, C, H, W] for null). */
function shapeIn(layout: InputLayout | null, image: readonly number[], n: number): number[] {
  const [c, h, w] = image as [number, number, number];
  switch (layout) {
    case 'nhwc': return [n, h, w, c];
    case 'flat': return [n, c * h * w];
    case 'hw': return [n, h, w];
    default: return [n, c, h, w];
  }
}

/** The shape of a batch of `n` images of `image` = [C, H, W] as the graph takes it. */
export function imageInputShape(g: Graph, image: readonly number[], n = 1): number[] {
  return shapeIn(inputLayout(g, image), image, n);
}

/**
 * The feeds that give a graph a batch of images x = [N, C, H, W]: x itself, or x as the graph's input takes it
 * (permuted to [N, H, W, C], a view, and a dense one when x is stored channels last, as batchOnDevice stores it; or
 * reshaped for a grey-image perceptron).
 */
export function imageFeeds(g: Graph, x: Tensor): Record<string, Tensor> {
  const name = g.inputs[0]!.name;
  if (x.rank !== 4) return { [name]: x };
  const [n, ...image] = x.shape as [number, number, number, number];
  const layout = inputLayout(g, image);
  if (layout === 'nhwc') return { [name]: permute(x, [0, 2, 3, 1]) };
  return { [name]: layout === 'flat' || layout === 'hw' ? reshape(x, shapeIn(layout, image, n)) : x };
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
