import type { Command } from 'commander';
import { inferFiles } from '../../api/index.js';

const collect = (v: string, all: string[] | undefined): string[] => [...(all ?? []), v];

/** Adds `whittle infer MODEL.onnx --input X.npy --output Y.npy` (and NAME=FILE / DIR/ forms for several). */
export function registerInfer(p: Command): void {
  p.command('infer')
    .description('run an ONNX model on the engine: .npy inputs in (any numeric or bool dtype), .npy outputs out')
    .argument('<model>', 'an .onnx file')
    .requiredOption('--input <x.npy | NAME=x.npy>', "an input, batch first, of the model input's dtype: one file for a one-input model, else NAME=FILE per input (repeatable)", collect)
    .requiredOption('--output <y.npy | NAME=y.npy | DIR/>', 'one file for a one-output model, NAME=FILE per output wanted (repeatable), or a folder for every output', collect)
    .action(async (model: string, f: { input: string[]; output: string[] }) => {
      const r = await inferFiles(model, f.input, f.output, '--input', '--output');
      for (const w of r.written) console.log(`wrote ${w.path}: output '${w.output}' ${w.dtype} [${w.shape.join(', ')}]`);
    });
}
