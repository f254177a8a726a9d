import * as ort from 'onnxruntime-node';
import type { Graph, ValueInfo } from '../graph/index.js';
import { imageInputShape, inferShapes, inputLayout } from '../exec/index.js';
import { toOnnxBytes } from '../onnx/index.js';
import { isColorChannels, type Dataset } from '../data/index.js';
import { ConfigError } from '../errors.js';
import { modelChannels, modelSide } from './dataset-options.js';

/**
 * Checks that a classifier graph takes the dataset's images and predicts its classes; fills g.valueInfo at them.
 * `classesHint` is what to say when only the class count differs.
 */
export function checkModelFits(g: Graph, ds: Dataset, what = 'model', classesHint?: string): void {
  const shapes = checkModelTakes(g, ds, what);
  const out = shapes.get(g.outputs[0]!.name)?.shape;
  const classes = out?.[out.length - 1];
  if (out?.length !== 2 || classes !== ds.classes.length) {
    throw new ConfigError(what, `predicts ${classes ?? '?'} classes (output [${out?.join(', ')}]) but the dataset has ${ds.classes.length}`, classesHint);
  }
}

/** Checks that a graph takes the dataset's inputs; returns the inferred shapes of its values (and fills g.valueInfo). */
export function checkModelTakes(g: Graph, ds: Dataset, what = 'model'): Map<string, ValueInfo> {
  const input = g.inputs[0]?.shape;
  const fed = ds.inputs[0];
  if (fed && !fed.image) return checkTakesTensors(g, ds, what);
  if (g.inputs.length !== 1 || g.outputs.length < 1) throw new ConfigError(what, `expected one image input and at least one output, got ${g.inputs.length} inputs and ${g.outputs.length} outputs`);
  if (inputLayout(g, ds.shape) === null) {
    const c = modelChannels(g);
    const side = modelSide(g);
    const fixes = [
      ...(c !== null && c !== ds.shape[0] && isColorChannels(ds.storedChannels) ? [`--channels ${c} converts grey and RGB images`] : []),
      ...(side !== null && (side !== ds.shape[1] || side !== ds.shape[2]) ? [`--image-size ${side} resizes the images to the model's side`] : []),
    ];
    const hint = fixes.length > 0 ? fixes.join('; ') : 'use a model trained on this dataset';
    throw new ConfigError(what, `takes input [${input!.join(', ')}] but the dataset's images are ${ds.shape.join('x')} (channels, height, width)`, hint);
  }
  return inferShapes(g, { [g.inputs[0]!.name]: imageInputShape(g, ds.shape) });
}

/** Median batch-1 latency of the graph exported to ONNX and run in onnxruntime-node, on images of `image` = [C, H, W]. */
export async function onnxruntimeLatency(g: Graph, image: readonly number[], threads: number, runs = 50): Promise<number> {
  const shape = imageInputShape(g, image);
  const session = await ort.InferenceSession.create(toOnnxBytes(g), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const n = shape.reduce((a, b) => a * b, 1);
  const x = g.inputs[0]?.dtype === 'uint8' ? new ort.Tensor('uint8', new Uint8Array(n).fill(25), shape) : new ort.Tensor('float32', new Float32Array(n).fill(0.1), shape);
  const feeds = { [session.inputNames[0]!]: x };
  for (let i = 0; i < 5; i++) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await session.release();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** A tensor set's rows (token ids, features) as a one-input model takes them: its input's fixed dims and dtype must match. */
function checkTakesTensors(g: Graph, ds: Dataset, what: string): Map<string, ValueInfo> {
  if (g.inputs.length !== 1 || ds.inputs.length !== 1) {
    throw new ConfigError(what, `takes ${g.inputs.length} inputs and ${ds.spec} feeds ${ds.inputs.length} (${ds.inputs.map((i) => i.name).join(', ')})`, 'training feeds one input for now: use a model with one input and one NAME.npy or x.npy');
  }
  const fed = ds.inputs[0]!;
  const want = g.inputs[0]!;
  const dims = want.shape?.slice(1) ?? null;
  const fits = dims === null || (dims.length === fed.shape.length && dims.every((d, i) => typeof d !== 'number' || d === fed.shape[i]));
  if (!fits) throw new ConfigError(what, `takes input [${want.shape!.join(', ')}] but ${ds.spec}'s rows are [${fed.shape.join(', ')}]`, 'give inputs of one row of the model\'s input each');
  if (want.dtype !== fed.dtype) throw new ConfigError(what, `takes ${want.dtype} input '${want.name}' but ${ds.spec}'s '${fed.name}' holds ${fed.dtype}`, `save the .npy file as ${want.dtype}`);
  return inferShapes(g, { [want.name]: [1, ...fed.shape] });
}
