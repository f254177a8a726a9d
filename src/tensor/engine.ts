import { loadAddon, type Handle, type NativeBinding, type OpArg, type OpResult } from '../native/index.js';
import { EngineError } from '../errors.js';

let addon: NativeBinding | undefined;

/** The loaded addon; only src/tensor talks to it. */
export function engine(): NativeBinding {
  if (!addon) {
    try {
      addon = loadAddon();
    } catch (e) {
      throw new EngineError('load', (e as Error).message, 'E_ADDON', e);
    }
  }
  return addon;
}

/** Runs an addon call and turns its errors into EngineError, keeping ATen's message. */
export function guard<T>(op: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof EngineError) throw e;
    const err = e as Error & { code?: string };
    const code = err.code === 'E_ARG' ? 'E_ARG' : 'E_TORCH';
    throw new EngineError(op, err.message.startsWith(op) ? err.message : `${op}: ${err.message}`, code, e);
  }
}

/** An ATen operator resolved once by name and overload, then called by position. */
export class Op {
  #id = -1;
  constructor(readonly name: string, readonly overload = '') {}
  call(args: OpArg[]): OpResult {
    const e = engine();
    if (this.#id < 0) this.#id = guard(this.name, () => e.opHandle(this.name, this.overload));
    try {
      return e.callOp(this.#id, args);
    } catch (err) {
      return guard(this.name, () => {
        throw err;
      });
    }
  }
}

/** True for a tensor handle, where the schema says the result is a Tensor (ints come back as numbers too). */
export function isHandle(r: OpResult): r is Handle {
  return typeof r === 'number';
}
