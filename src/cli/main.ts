import { Command, CommanderError } from 'commander';
import { reportError } from './errors.js';
import { registerSetup } from './commands/setup.js';
import { registerData } from './commands/data.js';
import { registerBench } from './commands/bench.js';
import { registerTrainTeacher } from './commands/train-teacher.js';
import { registerEval } from './commands/eval.js';
import { registerPrune } from './commands/prune.js';
import { registerCompress } from './commands/compress.js';
import { registerReport } from './commands/report.js';
import { registerInspect } from './commands/inspect.js';
import { registerConvert } from './commands/convert.js';
import { registerInfer } from './commands/infer.js';
import { registerQuantize } from './commands/quantize.js';
import { registerProfile } from './commands/profile.js';
import { WhittleError } from '../errors.js';
import { WHITTLE_VERSION } from '../version.js';

/** Builds the command tree; each command lives in commands/<name>.ts and only parses, calls and prints. */
export function program(): Command {
  const p = new Command('whittle')
    .description('Progressive channel pruning with knowledge distillation, on libtorch')
    .version(WHITTLE_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerSetup(p);
  registerData(p);
  registerTrainTeacher(p);
  registerEval(p);
  registerPrune(p);
  registerCompress(p);
  registerReport(p);
  registerBench(p);
  registerInspect(p);
  registerConvert(p);
  registerInfer(p);
  registerQuantize(p);
  registerProfile(p);
  return p;
}

/** Runs the CLI on argv; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    return reportError(e);
  }
}

export { WhittleError };
