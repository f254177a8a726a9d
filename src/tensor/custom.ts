import type { Handle } from '../native/index.js';
import { engine, guard } from './engine.js';
import { raw } from './ops/call.js';
import { tidy } from './scope.js';
import { Tensor } from './tensor.js';

/**
 * A custom backward: the gradients of a function's outputs (null where an output got none) to its inputs'. Return
 * tensors it makes (or the gradients it was given): they are freed once the engine holds them, so a tensor kept
 * elsewhere must be returned as a copy.
 */
export type Backward = (grads: (Tensor | null)[]) => (Tensor | null)[];

const backwards = new Map<number, Backward>();
let nextId = 1;
let installed = false;

/** Runs node `id`'s backward; the addon takes the returned gradients as fresh handles (aliases) and frees them. */
function dispatch(id: number, handles: (Handle | null)[]): (Handle | null)[] {
  const fn = backwards.get(id);
  if (!fn) throw new Error(`custom backward ${id} was already freed`);
  const grads = handles.map((h) => (h === null ? null : new Tensor(h)));
  try {
    const out = tidy(() => fn(grads));
    const aliases = out.map((t) => (t ? (raw('alias', '', [t]) as Handle) : null));
    for (const t of out) t?.dispose();
    return aliases;
  } finally {
    for (const g of grads) g?.dispose();
  }
}

/**
 * Gives `outputs` (computed without autograd, e.g. by fused kernels or under noGrad) an autograd history: returns
 * new tensors sharing their storage whose gradient flows to `inputs` through `backward`, in the same backward pass
 * as everything else (libtorch's custom Function, with the backward in JS). When no input requires grad, or grad
 * mode is off, the outputs come back detached. `backward` runs on the JS thread inside Tensor.backward().
 */
export function customFunction(inputs: readonly Tensor[], outputs: readonly Tensor[], backward: Backward): Tensor[] {
  const e = engine();
  if (!installed) {
    guard('customFunction', () => e.setCustomDispatcher(dispatch));
    installed = true;
  }
  const id = nextId++;
  backwards.set(id, backward);
  const [handles, freed] = guard('customFunction', () => e.customFunction(id, inputs.map((t) => t.handle), outputs.map((t) => t.handle)));
  for (const f of freed) backwards.delete(f);
  return handles.map((h) => new Tensor(h));
}

/** Custom backward functions still held (their nodes alive), for leak checks. */
export function liveCustomFunctions(): number {
  return backwards.size;
}
