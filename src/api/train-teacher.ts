import type { Graph } from '../graph/index.js';
import { loadOnnx, saveOnnx } from '../onnx/index.js';
import { refuseQuantized } from '../pipeline/quantize.js';
import { resolve } from 'node:path';
import type { TeacherSource } from '../pipeline/teacher-model.js';
import { trainTeacher as train, type TrainTeacherOptions as Settings } from '../pipeline/train-teacher.js';
import { checkpointDir, readTeacherCheckpoint, removeTeacherCheckpoint, type TeacherCheckpoint } from '../pipeline/teacher-checkpoint.js';
import { AbortedError } from '../distill/index.js';
import { ConfigError } from '../errors.js';
import { apiNaming, checkOptions, trainTeacherSpec, type CheckedTrainTeacherOptions, type TrainTeacherOptions } from '../options/index.js';
import { checkWritableFile } from '../util/writable-file.js';
import { checkDevice } from './device.js';
import type { TeacherOrigin, TrainTeacherEvent } from '../options/events.js';

export type { TrainTeacherEvent, TeacherOrigin };

/** The settings without the callbacks, for each kind of source (Omit alone would merge the union). */
type WithoutCallbacks<S> = S extends unknown ? Omit<S, 'onEpoch' | 'onBatch' | 'onPrepared' | 'onPrecision' | 'signal'> : never;

/**
 * What may come with `resume`: the training's settings are its checkpoint's, but for `threads`, the machine's (the
 * device stays the checkpoint's: it decides the precision and the arithmetic).
 */
const WITH_RESUME = new Set(['resume', 'onEvent', 'signal', 'threads']);
/** Options that only say how a `model` starts. */
const MODEL_ONLY = ['init', 'newHead', 'reinsertBn'] as const;

/** What to train, from the checked options: the zoo `arch`, or `model` with how it starts. */
function sourceOf(o: CheckedTrainTeacherOptions, given: readonly string[]): TeacherSource {
  if (o.model === undefined) {
    const stray = MODEL_ONLY.find((k) => given.includes(k));
    if (stray) throw new ConfigError(stray, 'applies to a --model only (a zoo --arch is built for the dataset and trained from scratch)', 'give --model FILE.onnx, or leave it out');
    return { arch: o.arch };
  }
  if (given.includes('arch')) throw new ConfigError('model', `and arch (${o.arch}) both say what to train`, 'give one of them');
  return { model: typeof o.model === 'string' ? resolve(o.model) : 'a model given to trainTeacher()', init: o.init ?? 'keep', newHead: o.newHead ?? false, reinsertBn: o.reinsertBn ?? 'auto' };
}

/**
 * Trains a zoo architecture (`arch`) on a dataset from scratch, or an ONNX `model` (its weights fine-tuned, or with
 * `init: 'fresh'` its architecture from scratch; `newHead` for other classes; BatchNorm re-inserted for training
 * where it was folded, per `reinsertBn`), and returns it: a teacher for compress(). The model
 * keeps the weights of its best validation epoch and carries the dataset's normalisation in its metadata; with
 * `out` it is also written there as ONNX (the path is checked before training starts), and until then a checkpoint
 * is kept at every epoch end in the folder `out + '.checkpoint'`. `signal` stops training at the next batch with an
 * AbortedError; `resume: out` continues a stopped training to the model an uninterrupted one writes (`threads` may
 * come with it, for the machine it goes on on).
 */
export async function trainTeacher(options: TrainTeacherOptions): Promise<Graph> {
  const given = Object.entries(options).filter(([, v]) => v !== undefined).map(([k]) => k);
  const o = checkOptions(trainTeacherSpec, options, apiNaming);
  const emit = o.onEvent ?? (() => undefined);
  let settings: WithoutCallbacks<Settings>;
  let resume: TeacherCheckpoint | undefined;
  let named: string | undefined; // the model file as the caller wrote it, for messages
  let source: TeacherSource | undefined; // what a new training trains
  if (o.resume !== undefined) {
    const extra = given.filter((k) => !WITH_RESUME.has(k));
    if (extra.length) throw new ConfigError('resume', `takes no other training options but threads (got ${extra.join(', ')}); the training's settings are in ${checkpointDir(o.resume)}/checkpoint.json`);
    named = o.resume;
    const file = checkWritableFile('resume', o.resume);
    resume = (await readTeacherCheckpoint(file)) ?? undefined;
    if (!resume) throw new ConfigError('resume', `no stopped training of ${o.resume} to continue (${checkpointDir(o.resume)}/checkpoint.json is missing: a checkpoint is written at the end of the first epoch)`, 'start it again with whittle train-teacher ... -o FILE');
    settings = { ...resume.settings, ...(given.includes('threads') ? { threads: o.threads } : {}), checkpointOf: file, resume };
  } else {
    const { onEvent: _, out: __, resume: ___, signal: ____, arch: _a, model: _m, init: _i, newHead: _n, reinsertBn: _r, ...rest } = o;
    const file = o.out === undefined ? undefined : checkWritableFile('out', o.out);
    source = sourceOf(o, given);
    named = o.out;
    if (file !== undefined && (await readTeacherCheckpoint(file))) {
      throw new ConfigError('out', `${o.out} has a stopped training's checkpoint beside it (${checkpointDir(o.out!)})`, `continue it with whittle train-teacher --resume ${o.out}, or remove that folder to start again`);
    }
    settings = { ...rest, ...source, ...(file !== undefined ? { checkpointOf: file } : {}) };
  }
  checkDevice(settings.device);
  const out = settings.checkpointOf;
  // a new training of a model reads it last, once everything else is checked
  const loaded = source?.model === undefined ? undefined : typeof o.model === 'string' ? loadOnnx(o.model) : o.model!.clone();
  if (loaded) {
    try {
      refuseQuantized(loaded, 'model', 'train');
    } catch (e) {
      loaded.dispose();
      throw e;
    }
  }
  if (resume) emit({ type: 'resumed', ...(resume.settings.model !== undefined ? { model: resume.settings.model } : { arch: resume.settings.arch! }), data: resume.settings.data, epoch: resume.current.epochs.length, of: resume.settings.epochs, epochs: resume.current.epochs });
  let r: Awaited<ReturnType<typeof train>>;
  try {
    r = await train({
      ...settings,
      ...(loaded ? { loaded } : {}),
      onEpoch: (e) => emit({ type: 'epoch-end', ...e }),
      onBatch: (b) => emit({ type: 'batch', ...b }),
      onPrepared: (p) => emit({ type: 'prepared', ...p }),
      onPrecision: (p) => emit({ type: 'precision', ...p }),
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
