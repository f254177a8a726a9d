import { engine } from './engine.js';

/** What a scope owns: a tensor, seen only as far as disposing it needs (so that tensor.ts alone imports this file). */
export interface Owned {
  readonly isTensor: true;
  dispose(): void;
}

const scopes: Set<Owned>[] = [];

/** Called by every Tensor constructor: the innermost tidy scope owns new tensors. */
export function track(t: Owned): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Removes a tensor from the current scope so that tidy does not dispose it. Returns it. */
export function keep<T extends Owned>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(value: unknown, out: Set<Owned>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensor(value)) {
    out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, seen);
  }
}

function isTensor(v: object): v is Owned {
  return (v as { isTensor?: unknown }).isTensor === true;
}

/**
 * Runs fn and disposes every tensor created inside it except those it returns (alone, in arrays or in plain
 * objects) and those passed to keep(). Returned tensors move to the enclosing scope. Like tf.tidy, fn must
 * be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Owned>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) throw new Error('tidy: fn must be synchronous (it returned a Promise)');
  const survivors = new Set<Owned>();
  collect(result, survivors, new Set());
  for (const t of scope) {
    if (survivors.has(t)) scopes[scopes.length - 1]?.add(t);
    else t.dispose();
  }
  return result;
}

/** Runs fn with gradient recording off (as torch.no_grad()). */
export function noGrad<T>(fn: () => T): T {
  const e = engine();
  const prev = e.setGradEnabled(false);
  try {
    return fn();
  } finally {
    e.setGradEnabled(prev);
  }
}

/** Runs fn with gradient recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  const e = engine();
  const prev = e.setGradEnabled(true);
  try {
    return fn();
  } finally {
    e.setGradEnabled(prev);
  }
}

export function isGradEnabled(): boolean {
  return engine().setGradEnabled();
}
