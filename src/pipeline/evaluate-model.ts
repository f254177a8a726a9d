import * as ort from 'onnxruntime-node';
import type { Graph, ValueInfo } from '../graph/index.js';
import { imageInputShape, inferShapes, inputLayout } from '../exec/index.js';
import { timingFeeds, type FedShape } from './timing-feeds.js';
import { toOnnxBytes } from '../onnx/index.js';
import { isColorChannels, matchInputs, type Dataset } from '../data/index.js';
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

/** Median batch-1 latency of the graph exported to ONNX and run in onnxruntime-node, on the dataset's images or inputs; null for inputs it has no tensor for. */
export async function onnxruntimeLatency(g: Graph, fed: FedShape, threads: number, runs = 50): Promise<number | null> {
  const given = timingFeeds(g, fed);
  if (!given) return null;
  const session = await ort.InferenceSession.create(toOnnxBytes(g), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const feeds = Object.fromEntries(Object.entries(given).map(([k, t]) => [k, new ort.Tensor(t.data, [...t.dims])]));
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

/**
 * A tensor set's rows (token ids, masks, features) as the model takes them: one input feeds a one-input model
 * whatever their names; several are matched by name, each file to the input of its name, with nothing left over.
 * Each input's fixed dims and dtype must match its file's rows.
 */
function checkTakesTensors(g: Graph, ds: Dataset, what: string): Map<string, ValueInfo> {
  const pairs = matchInputs(g.inputs.map((i) => i.name), ds.inputs, ds.spec);
  const unused = ds.inputs.filter((d) => ![...pairs.values()].includes(d.name));
  if (unused.length > 0) {
    throw new ConfigError('data', `${ds.spec} has ${unused.map((d) => `${d.name}.npy`).join(', ')}, which no input of the ${what} takes (its inputs: ${g.inputs.map((i) => i.name).join(', ')})`, 'name each NAME.npy after a model input, and leave out the others');
  }
  const shapes: Record<string, number[]> = {};
  for (const want of g.inputs) {
    const fed = ds.inputs.find((d) => d.name === pairs.get(want.name))!;
    const dims = want.shape?.slice(1) ?? null;
    const fits = dims === null || (dims.length === fed.shape.length && dims.every((d, i) => typeof d !== 'number' || d === fed.shape[i]));
    const file = ds.inputs.length > 1 ? ` ${fed.name}.npy` : '';
    if (!fits) throw new ConfigError(what, `takes input '${want.name}' [${want.shape!.join(', ')}] but ${ds.spec}'s${file} rows are [${fed.shape.join(', ')}]`, 'give inputs of one row of the model\'s input each');
    if (want.dtype !== fed.dtype) throw new ConfigError(what, `takes ${want.dtype} input '${want.name}' but ${ds.spec}'s '${fed.name}' holds ${fed.dtype}`, `save the .npy file as ${want.dtype}`);
    shapes[want.name] = [1, ...fed.shape];
  }
  return inferShapes(g, shapes);
}
