import type { Command } from 'commander';
import { profile, type ProfileReport } from '../../api/index.js';
import { profileSpec } from '../../options/index.js';
import { addOptions, namingErrors, readOptions } from '../options.js';

function printText(model: string, r: ProfileReport): void {
  console.log(`${model} in ${r.runtime}, batch ${r.batch}, ${r.threads} thread${r.threads === 1 ? '' : 's'}: median ${r.medianMs.toFixed(3)} ms, p90 ${r.p90Ms.toFixed(3)} ms over ${r.runs} runs (spread ${(100 * r.spread).toFixed(1)}%)`);
  if (r.opTypes) for (const k of r.opTypes) console.log(`  ${k.opType.padEnd(28)} ${k.ms.toFixed(3).padStart(9)} ms  ${(100 * k.share).toFixed(1).padStart(5)}%  ${k.count} node${k.count === 1 ? '' : 's'}`);
  else console.log('  (this runtime gives no per-node profile)');
  const f = r.cpu.flags;
  console.log(`cpu ${r.cpu.model ?? 'unknown'}${f ? `: ${Object.entries(f).map(([k, v]) => `${k} ${v ? 'yes' : 'no'}`).join(', ')}` : ''}`);
}

/** Adds `whittle profile MODEL.onnx`: profile() on an ONNX file. */
export function registerProfile(p: Command): void {
  const c = p.command('profile')
    .description('latency of an ONNX model in onnxruntime-node or onnxruntime-web (median and p90), time by op type, and the CPU features that matter')
    .argument('<model>', 'an .onnx file');
  addOptions(c, profileSpec)
    .option('--json', 'print one JSON object as the last line')
    .action(async (model: string, f: { json?: boolean }, cmd: Command) => {
      const { options, name } = readOptions(cmd, profileSpec);
      const r = await namingErrors(profileSpec, name, () => profile(model, options));
      if (f.json) console.log(JSON.stringify({ model, ...r }));
      else printText(model, r);
    });
}
