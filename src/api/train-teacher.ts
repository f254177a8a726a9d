import type { Graph } from '../graph/index.js';
import { saveOnnx } from '../onnx/index.js';
import { trainTeacher as train, type TrainTeacherOptions as Settings } from '../pipeline/train-teacher.js';
import { checkpointDir, readTeacherCheckpoint, removeTeacherCheckpoint, type TeacherCheckpoint } from '../pipeline/teacher-checkpoint.js';
import { AbortedError } from '../distill/index.js';
import { ConfigError } from '../errors.js';
import { apiNaming, checkOptions, trainTeacherSpec, type TrainTeacherOptions } from '../options/index.js';
import { checkWritableFile } from '../util/writable-file.js';
import { checkDevice } from './device.js';

/** Progress of trainTeacher(): after each batch and each epoch, then once with the result. */
export type TrainTeacherEvent =
  | { type: 'batch'; epoch: number; index: number; of: number; loss: number }
  | { type: 'epoch-end'; epoch: number; trainLoss: number; valAccuracy: number; seconds: number; imagesPerSec: number }
  /** A resumed training: `epochs` are those done before it stopped, training goes on after the last. */
  | { type: 'resumed'; arch: string; data: string; epoch: number; of: number; epochs: { epoch: number; trainLoss: number; valAccuracy: number; seconds: number; imagesPerSec: number }[] }
  | {
    type: 'trained'; params: number; bestEpoch: number; valAccuracy: number; testAccuracy: number; testLoss: number;
    /** Why training ended early, if it did (a non-finite loss). */
    stopped?: string;
  };

/** What may come with `resume`: the training's settings are its checkpoint's. */
const WITH_RESUME = new Set(['resume', 'onEvent', 'signal']);

/**
 * Trains a zoo architecture (`arch`) on a dataset from scratch and returns it: a teacher for compress(). The model
 * keeps the weights of its best validation epoch and carries the dataset's normalisation in its metadata; with
 * `out` it is also written there as ONNX (the path is checked before training starts), and until then a checkpoint
 * is kept at every epoch end in the folder `out + '.checkpoint'`. `signal` stops training at the next batch with an
 * AbortedError; `resume: out` continues a stopped training to the model an uninterrupted one writes.
 */
export async function trainTeacher(options: TrainTeacherOptions): Promise<Graph> {
  const given = Object.entries(options).filter(([, v]) => v !== undefined).map(([k]) => k);
  const o = checkOptions(trainTeacherSpec, options, apiNaming);
  const emit = o.onEvent ?? (() => undefined);
  let settings: Omit<Settings, 'onEpoch' | 'onBatch' | 'signal'>;
  let resume: TeacherCheckpoint | undefined;
  let named: string | undefined; // the model file as the caller wrote it, for messages
  if (o.resume !== undefined) {
    const extra = given.filter((k) => !WITH_RESUME.has(k));
    if (extra.length) throw new ConfigError('resume', `takes no other training options (got ${extra.join(', ')}); the training's settings are in ${checkpointDir(o.resume)}/checkpoint.json`);
    named = o.resume;
    const file = checkWritableFile('resume', o.resume);
    resume = (await readTeacherCheckpoint(file)) ?? undefined;
    if (!resume) throw new ConfigError('resume', `no stopped training of ${o.resume} to continue (${checkpointDir(o.resume)}/checkpoint.json is missing: a checkpoint is written at the end of the first epoch)`, 'start it again with whittle train-teacher ... -o FILE');
    settings = { ...resume.settings, checkpointOf: file, resume };
  } else {
    const { onEvent: _, out: __, resume: ___, signal: ____, ...rest } = o;
    const file = o.out === undefined ? undefined : checkWritableFile('out', o.out);
    named = o.out;
    if (file !== undefined && (await readTeacherCheckpoint(file))) {
      throw new ConfigError('out', `${o.out} has a stopped training's checkpoint beside it (${checkpointDir(o.out!)})`, `continue it with whittle train-teacher --resume ${o.out}, or remove that folder to start again`);
    }
    settings = { ...rest, ...(file !== undefined ? { checkpointOf: file } : {}) };
  }
  checkDevice(settings.device);
  const out = settings.checkpointOf;
  if (resume) emit({ type: 'resumed', arch: resume.settings.arch, data: resume.settings.data, epoch: resume.current.epochs.length, of: resume.settings.epochs, epochs: resume.current.epochs });
  let r: Awaited<ReturnType<typeof train>>;
  try {
    r = await train({
      ...settings,
      onEpoch: (e) => emit({ type: 'epoch-end', ...e }),
      onBatch: (b) => emit({ type: 'batch', ...b }),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (e) {
    if (e instanceof AbortedError && out !== undefined && (await readTeacherCheckpoint(out))) throw new AbortedError(e.where, `continue with: whittle train-teacher --resume ${named}`);
    throw e;
  }
  try {
    if (out !== undefined) {
      await saveOnnx(r.graph, out);
      await removeTeacherCheckpoint(out);
    }
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
