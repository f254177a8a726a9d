import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, DatasetError } from '../errors.js';
import { npyBytes, parseNpy } from '../data/index.js';
import type { Graph } from '../graph/index.js';
import { loadOnnx } from '../onnx/index.js';
import { runGraph } from '../exec/index.js';
import { noGrad, tensor, tidy, keep, type Tensor } from '../tensor/index.js';
import { writeFileAtomic } from '../util/write-atomic.js';

/**
 * Runs a one-input model on the engine (eval mode, no autograd) and returns its first output; the caller disposes
 * it. The input is float32 values of `shape`, batch first, matching the model's input.
 */
export function infer(model: Graph, data: Float32Array, shape: readonly number[], o: { option?: string; source?: string } = {}): Tensor {
  const option = o.option ?? 'input';
  if (model.inputs.length !== 1) throw new ConfigError(option, `the model has ${model.inputs.length} inputs (${model.inputs.map((i) => i.name).join(', ')}); infer takes models with one`);
  const want = model.inputs[0]!;
  const bad = want.shape && (want.shape.length !== shape.length || want.shape.some((d, k) => k > 0 && typeof d === 'number' && d !== shape[k]));
  if (bad) throw new ConfigError(option, `${o.source ?? 'the input'} has shape [${shape.join(', ')}]; the model's input '${want.name}' is [${want.shape!.join(', ')}]`);
  return noGrad(() => tidy(() => keep(runGraph(model, { [want.name]: tensor(data, shape, 'float32') })[model.outputs[0]!.name]!)));
}

/**
 * `whittle infer`: a float32 .npy input through an ONNX file, the first output written as .npy (atomically).
 * `inputOption` and `outputOption` name the input and output in errors (the CLI's '--input' and '--output').
 */
export async function inferNpy(modelPath: string, inputPath: string, outputPath: string, inputOption = 'input', outputOption = 'output'): Promise<{ output: string; shape: number[] }> {
  let buf: Uint8Array;
  try {
    buf = readFileSync(inputPath);
  } catch (e) {
    throw new DatasetError(inputPath, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const x = parseNpy(buf, inputPath);
  if (!(x.data instanceof Float32Array)) throw new ConfigError(inputOption, `${inputPath} holds ${x.descr} values; expected float32 ('<f4')`);
  const g = loadOnnx(modelPath, { inputShapes: [x.shape] });
  try {
    const y = infer(g, x.data, x.shape, { option: inputOption, source: inputPath });
    try {
      await writeFileAtomic(resolve(outputPath), npyBytes(y, outputOption));
      return { output: g.outputs[0]!.name, shape: [...y.shape] };
    } finally {
      y.dispose();
    }
  } finally {
    g.dispose();
  }
}
