import { compress as run, type CompressEvent } from '../pipeline/compress.js';
import type { CompressReport } from '../pipeline/report.js';
import { ConfigError } from '../errors.js';
import { apiNaming, checkOptions, compressSpec, type CompressOptions } from '../options/index.js';
import { checkDevice } from './device.js';
import type { DataParallel } from '../distill/index.js';

export type { CompressEvent, CompressReport };

/**
 * What may come with `resume`: the run's settings are its own (run.json), but for `threads`, the machine's (the
 * device stays the run's: it decides the precision and the arithmetic).
 */
const WITH_RESUME = new Set(['resume', 'onEvent', 'signal', 'threads']);

/**
 * The method: for each ratio r_i, prune the current student to r_i of its size (params or MACs), then distil it
 * from the teacher; the last student is the result. Writes run.json, step-K/student.onnx, step-K/metrics.json,
 * student.onnx, report.json and report.html into the run folder `out` (which must not exist or be empty) and
 * resolves to the report (the object in report.json). `onEvent` receives progress events as they happen (step
 * start and end, each batch, each epoch's loss and accuracy). A checkpoint is written at every epoch end; `signal`
 * stops the run at the next batch with an AbortedError, and `resume: out` continues it to the same result
 * (`threads` may come with it, for the machine it goes on on).
 *
 * `rank.parallel` makes this call one rank of a data-parallel run (see src/distributed: ProcessGroup.join); every
 * rank then calls compress with the same options, and only rank 0 writes the run folder.
 *
 * @example
 * const report = await compress({ teacher: 'teacher.onnx', data: 'mnist', ratios: [0.5, 0.5], epochsPerStep: 2, out: 'runs/a' });
 */
export async function compress(options: CompressOptions, rank: { parallel?: DataParallel } = {}): Promise<CompressReport> {
  const given = Object.entries(options).filter(([, v]) => v !== undefined).map(([k]) => k);
  const o = checkOptions(compressSpec, options, apiNaming);
  if (o.resume !== undefined) {
    const extra = given.filter((k) => !WITH_RESUME.has(k));
    if (extra.length) throw new ConfigError('resume', `takes no other run options but threads (got ${extra.join(', ')}); the run's settings are in ${o.resume}/run.json`);
  } else {
    if (o.teacher === undefined) throw new ConfigError('teacher', 'is required (or resume RUN_DIR to continue a run)');
    if (o.data === undefined) throw new ConfigError('data', 'is required (e.g. fashion-mnist, folder:DIR)');
    if (o.out === undefined) throw new ConfigError('out', 'is required: the run folder to write');
    checkDevice(o.device);
  }
  // alpha's default is filled in again downstream: passed on only when given, so that --labels ignore can refuse it
  // and a resume takes threads only when given (else the run's own)
  const { alpha, threads, ...checked } = o;
  const keepThreads = o.resume === undefined || options.threads !== undefined;
  return run({ ...checked, ...(options.alpha !== undefined ? { alpha } : {}), ...(keepThreads ? { threads } : {}), ...(rank.parallel ? { parallel: rank.parallel } : {}) });
}
