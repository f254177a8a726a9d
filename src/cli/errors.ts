import { WhittleError, type ErrorCode } from '../errors.js';

// User mistakes exit 2; a missing addon 3; anything the engine or whittle itself got wrong 1.
const EXIT: Record<ErrorCode, number> = {
  E_USAGE: 2, E_CONFIG: 2, E_DATA: 2, E_ONNX: 2, E_GRAPH: 2, E_SHAPE: 2, E_ARG: 1, E_TORCH: 1, E_ADDON: 3, E_ABORTED: 130, E_DIST: 1,
};

/** Prints one line (plus a hint line when known) for an error and returns the exit code. Stack only with DEBUG=1. */
export function reportError(e: unknown): number {
  if (process.env['DEBUG'] === '1' && e instanceof Error) console.error(e.stack);
  if (e instanceof WhittleError) {
    console.error(`whittle: error[${e.code}]: ${e.message}`);
    if (e.hint) console.error(`  hint: ${e.hint}`);
    return EXIT[e.code];
  }
  const msg = e instanceof Error ? e.message : String(e);
  console.error(`whittle: internal error: ${msg.split('\n')[0]} (run with DEBUG=1 for the stack)`);
  return 1;
}
