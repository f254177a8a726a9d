import type { Graph } from '../graph/index.js';
import { saveOnnx } from '../onnx/index.js';
import { trainTeacher as train } from '../pipeline/train-teacher.js';
import { apiNaming, checkOptions, trainTeacherSpec, type TrainTeacherOptions } from '../options/index.js';
import { checkWritableFile } from '../util/writable-file.js';
import { checkDevice } from './device.js';

/** Progress of trainTeacher(): after each batch and each epoch, then once with the result. */
export type TrainTeacherEvent =
  | { type: 'batch'; epoch: number; index: number; of: number; loss: number }
  | { type: 'epoch-end'; epoch: number; trainLoss: number; valAccuracy: number; seconds: number; imagesPerSec: number }
  | {
    type: 'trained'; params: number; bestEpoch: number; valAccuracy: number; testAccuracy: number; testLoss: number;
    /** Why training ended early, if it did (a non-finite loss). */
    stopped?: string;
  };

/**
 * Trains a zoo architecture (`arch`) on a dataset from scratch and returns it: a teacher for compress(). The model
 * keeps the weights of its best validation epoch and carries the dataset's normalisation in its metadata; with
 * `out` it is also written there as ONNX (the path is checked before training starts). `signal` stops training at
 * the next batch with an AbortedError.
 */
export async function trainTeacher(options: TrainTeacherOptions): Promise<Graph> {
  const o = checkOptions(trainTeacherSpec, options, apiNaming);
  const out = o.out === undefined ? undefined : checkWritableFile('out', o.out);
  checkDevice(o.device);
  const emit = o.onEvent ?? (() => undefined);
  const { onEvent: _, out: __, ...rest } = o;
  const r = await train({
    ...rest,
    onEpoch: (e) => emit({ type: 'epoch-end', ...e }),
    onBatch: (b) => emit({ type: 'batch', ...b }),
  });
  try {
    if (out !== undefined) await saveOnnx(r.graph, out);
  } catch (e) {
    r.graph.dispose();
    throw e;
  }
  emit({
    type: 'trained', params: r.graph.parameterCount(), bestEpoch: r.fit.bestEpoch, valAccuracy: r.fit.bestValAccuracy,
    testAccuracy: r.testAccuracy, testLoss: r.testLoss, ...(r.fit.stopped ? { stopped: r.fit.stopped } : {}),
  });
  return r.graph;
}
