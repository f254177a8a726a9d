import type { OpArg, OpResult } from '../../native/index.js';
import { Op, isHandle } from '../engine.js';
import { Tensor } from '../tensor.js';
import { EngineError } from '../../errors.js';

const cache = new Map<string, Map<string, Op>>();

function opFor(name: string, overload: string): Op {
  let byOverload = cache.get(name);
  if (!byOverload) cache.set(name, (byOverload = new Map()));
  let op = byOverload.get(overload);
  if (!op) byOverload.set(overload, (op = new Op(`aten::${name}`, overload)));
  return op;
}

/** Calls aten::name.overload; arguments are positional, Tensors passed as they are. */
export function raw(name: string, overload: string, args: readonly unknown[]): OpResult {
  const conv: OpArg[] = new Array(args.length);
  for (let i = 0; i < args.length; i++) conv[i] = toArg(args[i], name, i);
  return opFor(name, overload).call(conv);
}

function handleOf(t: Tensor, name: string, i: number): OpArg {
  if (t.isDisposed) throw new EngineError(`aten::${name}`, `aten::${name}: argument ${i} is a disposed tensor and cannot be used again`, 'E_ARG');
  return t.handle;
}

function toArg(a: unknown, name: string, i: number): OpArg {
  if (a instanceof Tensor) return handleOf(a, name, i);
  if (Array.isArray(a)) return a.map((e) => (e instanceof Tensor ? handleOf(e, name, i) : e)) as OpArg;
  return a as OpArg;
}

/** Calls an operator that returns one tensor. */
export function call(name: string, overload: string, ...args: unknown[]): Tensor {
  const r = raw(name, overload, args);
  if (!isHandle(r)) throw new EngineError(`aten::${name}`, `aten::${name} returned no tensor`);
  return new Tensor(r);
}

/** Calls an operator that returns several tensors (a tuple or a list). */
export function callMany(name: string, overload: string, ...args: unknown[]): Tensor[] {
  const r = callManyOptional(name, overload, ...args);
  if (r.some((t) => t === null)) {
    for (const t of r) t?.dispose();
    throw new EngineError(`aten::${name}`, `aten::${name} returned a non-tensor`);
  }
  return r as Tensor[];
}

/** Calls an operator that returns several tensors, some of which may be undefined (null here), as backward kernels do. */
export function callManyOptional(name: string, overload: string, ...args: unknown[]): (Tensor | null)[] {
  const r = raw(name, overload, args);
  if (!Array.isArray(r)) throw new EngineError(`aten::${name}`, `aten::${name} returned no tensor list`);
  return r.map((h) => {
    if (h === null) return null;
    if (!isHandle(h)) throw new EngineError(`aten::${name}`, `aten::${name} returned a non-tensor`);
    return new Tensor(h);
  });
}

/** Calls an in-place operator (name ending in `_`) on `self` and disposes the alias the engine returns. */
export function inplace(name: string, overload: string, self: Tensor, ...args: unknown[]): Tensor {
  const r = raw(name, overload, [self, ...args]);
  if (isHandle(r)) new Tensor(r).dispose();
  return self;
}
