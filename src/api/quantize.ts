import { readFileSync } from 'node:fs';
import { Graph } from '../graph/index.js';
import { loadOnnx, toOnnxBytes } from '../onnx/index.js';
import { setNumThreads, manualSeed } from '../tensor/index.js';
import { apiNaming, checkOptions, quantizeSpec, type QuantizeOptions } from '../options/index.js';
import { checkModelFits } from '../pipeline/evaluate-model.js';
import { openFor } from '../pipeline/normalization.js';
import { quantizeModel, type QuantizeReport } from '../pipeline/quantize.js';
import { writeFileAtomic } from '../util/write-atomic.js';
import type { Dataset } from '../data/index.js';
import { ConfigError } from '../errors.js';

export type { QuantizeReport, LayerError } from '../pipeline/quantize.js';

/**
 * Static post-training int8 quantization of a float classifier (an ONNX file or a loaded model) for onnxruntime,
 * calibrated on `data` (a spec such as 'fashion-mnist', or an open Dataset), written to `output` as a QDQ ONNX model
 * with the model's metadata. Nothing is written when it throws. See docs/quantize.md.
 */
export async function quantize(model: string | Graph, data: string | Dataset, output: string, options: QuantizeOptions = {}): Promise<QuantizeReport> {
  const o = checkOptions(quantizeSpec, options, apiNaming);
  if (typeof output !== 'string' || output === '') throw new ConfigError('output', 'expected the path of the int8 ONNX file to write');
  setNumThreads(o.threads);
  manualSeed(o.seed);
  const { calibrationBatches, method, activations, exclude, maxDrop, threads, latency, onProgress, mean, std, ...datasetOptions } = o;
  const g = typeof model === 'string' ? loadOnnx(model) : model;
  try {
    const before = typeof model === 'string' ? new Uint8Array(readFileSync(model)) : toOnnxBytes(g);
    const ds = await openFor(g, data, datasetOptions, { mean, std });
    checkModelFits(g, ds);
    const { bytes, report } = await quantizeModel(g, before, ds, {
      calibrationBatches, method, activations, exclude, threads, latency, ...(maxDrop === undefined ? {} : { maxDrop }), ...(onProgress ? { onProgress } : {}),
    });
    await writeFileAtomic(output, bytes);
    return report;
  } finally {
    if (typeof model === 'string') g.dispose();
  }
}
