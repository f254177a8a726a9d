import { readFileSync } from 'node:fs';
import { Graph } from '../graph/index.js';
import { loadOnnx, toOnnxBytes } from '../onnx/index.js';
import { setNumThreads, manualSeed } from '../tensor/index.js';
import { apiNaming, checkOptions, quantizeSpec, type QuantizeOptions } from '../options/index.js';
import { checkModelFits } from '../pipeline/evaluate-model.js';
import { headsFor } from '../pipeline/heads.js';
import { isLabelledClassifier } from '../task/index.js';
import { openFor } from '../pipeline/normalization.js';
import { quantizeModel, refuseQuantized, type QuantizeReport } from '../pipeline/quantize.js';
import { writeFileAtomic } from '../util/write-atomic.js';
import type { Dataset } from '../data/index.js';
import { ConfigError } from '../errors.js';

export type { QuantizeReport, LayerError } from '../pipeline/quantize.js';

/**
 * Static post-training int8 quantization of a float model (an ONNX file or a loaded model) for onnxruntime,
 * calibrated on `data` (a spec such as 'fashion-mnist', or an open Dataset), written to `output` as a QDQ ONNX model
 * with the model's metadata. A labelled classifier is scored by accuracy; any other model (segmentation, embeddings,
 * regression, several outputs, unlabelled data: `task`, as compress takes it) by each output's fidelity to the float
 * model and its task metrics where the labels score it. Nothing is written when it throws. See docs/quantize.md.
 */
export async function quantize(model: string | Graph, data: string | Dataset, output: string, options: QuantizeOptions = {}): Promise<QuantizeReport> {
  const o = checkOptions(quantizeSpec, options, apiNaming);
  if (typeof output !== 'string' || output === '') throw new ConfigError('output', 'expected the path of the int8 ONNX file to write');
  setNumThreads(o.threads);
  manualSeed(o.seed);
  const { calibrationBatches, method, activations, exclude, maxDrop, threads, latency, speedSearch, onProgress, mean, std, task, ...datasetOptions } = o;
  const g = typeof model === 'string' ? loadOnnx(model) : model;
  try {
    refuseQuantized(g, 'model', 'quantize');
    const before = typeof model === 'string' ? new Uint8Array(readFileSync(model)) : toOnnxBytes(g);
    const ds = await openFor(g, data, datasetOptions, { mean, std });
    const heads = headsFor(g, ds, { task, loss: [], distill: true }, 'model');
    const classic = isLabelledClassifier(heads);
    if (classic) checkModelFits(g, ds);
    const { bytes, report } = await quantizeModel(g, before, ds, {
      calibrationBatches, method, activations, exclude, threads, latency, speedSearch, heads: classic ? null : heads, ...(maxDrop === undefined ? {} : { maxDrop }), ...(onProgress ? { onProgress } : {}),
    });
    await writeFileAtomic(output, bytes);
    return report;
  } finally {
    if (typeof model === 'string') g.dispose();
  }
}
