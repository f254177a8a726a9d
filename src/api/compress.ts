import { compress as run, type CompressEvent } from '../pipeline/compress.js';
import type { CompressReport } from '../pipeline/report.js';
import { apiNaming, checkOptions, compressSpec, type CompressOptions } from '../options/index.js';
import { checkDevice } from './device.js';

export type { CompressEvent, CompressReport };

/**
 * The method: for each ratio r_i, prune the current student to r_i of its size (params or MACs), then distil it
 * from the teacher; the last student is the result. Writes step-K/student.onnx, step-K/metrics.json, student.onnx,
 * report.json and report.html into the run folder `out` (which must not exist or be empty) and resolves to the
 * report (the object in report.json). `onEvent` receives progress events as they happen.
 *
 * @example
 * const report = await compress({ teacher: 'teacher.onnx', data: 'mnist', ratios: [0.5, 0.5], epochsPerStep: 2, out: 'runs/a' });
 */
export async function compress(options: CompressOptions): Promise<CompressReport> {
  const o = checkOptions(compressSpec, options, apiNaming);
  checkDevice(o.device);
  return run(o);
}
