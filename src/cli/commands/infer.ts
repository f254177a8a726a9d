import { writeFileAtomic } from '../../util/write-atomic.js';
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, DatasetError } from '../../errors.js';
import { parseNpy } from '../../data/index.js';
import { loadOnnx } from '../../onnx/index.js';
import { runGraph } from '../../exec/index.js';
import { noGrad, tensor, tidy, type DType, type Tensor } from '../../tensor/index.js';

const DESCR: Partial<Record<DType, string>> = { float32: '<f4', float64: '<f8', int64: '<i8', int32: '<i4', int16: '<i2', int8: '|i1', uint8: '|u1', bool: '|b1' };

/** A .npy file (format 1.0) holding a tensor's values. */
export function npyBytes(t: Tensor): Uint8Array {
  const descr = DESCR[t.dtype];
  if (!descr) throw new ConfigError('--output', `cannot write a ${t.dtype} tensor as .npy`);
  const shape = t.shape;
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const data = t.data();
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}


/** Adds `whittle infer MODEL.onnx --input X.npy --output Y.npy`. */
export function registerInfer(p: Command): void {
  p.command('infer')
    .description("run an ONNX model on the engine: a float32 .npy input in, the model's first output as .npy out")
    .argument('<model>', 'an .onnx file with one input')
    .requiredOption('--input <x.npy>', 'float32 array, batch first, matching the model input')
    .requiredOption('--output <y.npy>', 'where to write the first output')
    .action(async (model: string, f: { input: string; output: string }) => {
      let buf: Uint8Array;
      try {
        buf = readFileSync(f.input);
      } catch (e) {
        throw new DatasetError(f.input, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      const x = parseNpy(buf, f.input);
      if (!(x.data instanceof Float32Array)) throw new ConfigError('--input', `${f.input} holds ${x.descr} values; expected float32 ('<f4')`);
      const g = loadOnnx(model, { inputShapes: [x.shape] });
      try {
        if (g.inputs.length !== 1) throw new ConfigError('--input', `the model has ${g.inputs.length} inputs (${g.inputs.map((i) => i.name).join(', ')}); infer takes models with one`);
        const want = g.inputs[0]!;
        const bad = want.shape && (want.shape.length !== x.shape.length || want.shape.some((d, k) => k > 0 && typeof d === 'number' && d !== x.shape[k]));
        if (bad) throw new ConfigError('--input', `${f.input} has shape [${x.shape.join(', ')}]; the model's input '${want.name}' is [${want.shape!.join(', ')}]`);
        const bytes = noGrad(() => tidy(() => {
          const outs = runGraph(g, { [want.name]: tensor(x.data, x.shape, 'float32') });
          return npyBytes(outs[g.outputs[0]!.name]!);
        }));
        await writeFileAtomic(resolve(f.output), bytes);
        console.log(`wrote ${f.output}: output '${g.outputs[0]!.name}'`);
      } finally {
        g.dispose();
      }
    });
}
