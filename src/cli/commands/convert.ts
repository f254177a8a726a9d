import type { Command } from 'commander';
import { resolve } from 'node:path';
import { saveOnnx, DEFAULT_OPSET, MAX_OPSET, MIN_WRITE_OPSET as MIN_OPSET } from '../../onnx/index.js';
import { parsePositiveInt } from '../parse.js';
import { ConfigError } from '../../errors.js';
import { loadWithShape } from '../../api/index.js';
import { inspectSpec } from '../../options/index.js';
import { addOptions, namingErrors, readOptions } from '../options.js';

/** Adds `whittle convert IN.onnx OUT.onnx`: import, then export (nothing is written when import fails). */
export function registerConvert(p: Command): void {
  const c = p.command('convert')
    .description('read an ONNX model into whittle and write it back (folds exporter leftovers, fills attribute defaults)')
    .argument('<in>', 'the .onnx file to read')
    .argument('<out>', 'the .onnx file to write')
    .option('--opset <n>', `opset to write, ${MIN_OPSET} to ${MAX_OPSET} (default: ${DEFAULT_OPSET}, or the model's own when newer)`);
  addOptions(c, inspectSpec)
    .action(async (inPath: string, outPath: string, f: { opset?: string }, cmd: Command) => {
      const { options, name } = readOptions(cmd, inspectSpec);
      const opset = f.opset === undefined ? undefined : parsePositiveInt('--opset', f.opset);
      if (opset !== undefined && (opset < MIN_OPSET || opset > MAX_OPSET)) throw new ConfigError('--opset', `expected ${MIN_OPSET} to ${MAX_OPSET}, got ${opset}`);
      const g = await namingErrors(inspectSpec, name, () => loadWithShape(inPath, options.input));
      try {
        await saveOnnx(g, resolve(outPath), opset === undefined ? {} : { opset });
        console.log(`wrote ${outPath}: ${g.nodes.length} nodes, ${g.parameterCount().toLocaleString('en-US')} params, opset ${opset ?? Math.max(DEFAULT_OPSET, g.opset)}`);
      } finally {
        g.dispose();
      }
    });
}
