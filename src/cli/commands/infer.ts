import type { Command } from 'commander';
import { inferNpy } from '../../api/index.js';

/** Adds `whittle infer MODEL.onnx --input X.npy --output Y.npy`. */
export function registerInfer(p: Command): void {
  p.command('infer')
    .description("run an ONNX model on the engine: a float32 .npy input in, the model's first output as .npy out")
    .argument('<model>', 'an .onnx file with one input')
    .requiredOption('--input <x.npy>', 'float32 array, batch first, matching the model input')
    .requiredOption('--output <y.npy>', 'where to write the first output')
    .action(async (model: string, f: { input: string; output: string }) => {
      const r = await inferNpy(model, f.input, f.output, '--input', '--output');
      console.log(`wrote ${f.output}: output '${r.output}'`);
    });
}
