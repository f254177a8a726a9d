// What one batch feeds a model: a tensor for its one input, or a tensor per input for a model with several.
import { Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { imageFeeds } from './classifier-io.js';

/**
 * A batch's input: images [N, C, H, W] or a one-input tensor set's rows as one tensor, or a tensor set's inputs by
 * name (several inputs: token ids and an attention mask, each in its own dtype), all with the same N.
 */
export type ModelInput = Tensor | Readonly<Record<string, Tensor>>;

/**
 * The feeds that give a graph a batch: one tensor as imageFeeds lays it out; several by the names of the graph's
 * inputs (one named otherwise feeds a graph's only input, as a set with one input feeds any model).
 */
export function modelFeeds(g: Graph, x: ModelInput): Record<string, Tensor> {
  if (x instanceof Tensor) return imageFeeds(g, x);
  const given = Object.entries(x);
  if (given.length === 1 && g.inputs.length === 1) return { [g.inputs[0]!.name]: given[0]![1] };
  return Object.fromEntries(g.inputs.map((i) => {
    const t = x[i.name];
    if (!t) throw new Error(`no batch for the model's input '${i.name}' (the batch has ${given.map(([k]) => k).join(', ')})`);
    return [i.name, t];
  }));
}

/** The tensors of a batch's input, in order. */
export function inputTensors(x: ModelInput): Tensor[] {
  return x instanceof Tensor ? [x] : Object.values(x);
}

/** The batch's rows (dim 0, alike for every input). */
export function batchRowsOf(x: ModelInput): number {
  return inputTensors(x)[0]!.shape[0]!;
}

/** The input with `f` applied to each of its tensors (e.g. keep, narrow to rows). */
export function mapInput(x: ModelInput, f: (t: Tensor) => Tensor): ModelInput {
  return x instanceof Tensor ? f(x) : Object.fromEntries(Object.entries(x).map(([k, t]) => [k, f(t)]));
}

/** The images of a batch, for what only images have (mirror views, feature maps): one tensor, never several inputs. */
export function imagesOf(x: ModelInput): Tensor {
  if (x instanceof Tensor) return x;
  throw new Error(`expected a batch of images, got the inputs ${Object.keys(x).join(', ')}`);
}
