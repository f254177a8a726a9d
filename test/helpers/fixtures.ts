// Reads the goldens written by scripts/gen-fixtures.py and repeats its conventions (input encoding, output weights).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DType, type Tensor, tensor } from '../../src/tensor/index.js';

export type Encoded = { shape: number[]; dtype: string; data: number[] };
export type OpInput = Encoded & { name: string; grad: boolean };
export type OpOutput = Encoded & { diff: boolean };
/** One op variant: its inputs, forward outputs and the gradients of sum_k sum(out_k * w_k) (null where no grad). */
export type OpCase = {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: OpInput[];
  outputs: OpOutput[];
  grads: (Encoded | null)[];
  gradcheck: boolean;
};

/** The package folder (the one holding package.json), from dist/test/... or test/... alike. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('test helpers: cannot find package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

const cache = new Map<string, unknown>();

/** Parses test/fixtures/<name> (cached); the message says how to regenerate a missing file. */
export function loadFixture<T>(name: string): T {
  if (!cache.has(name)) {
    const path = join(packageRoot(), 'test', 'fixtures', name);
    if (!existsSync(path)) throw new Error(`fixture ${path} is missing; run /usr/bin/python3 scripts/gen-fixtures.py`);
    cache.set(name, JSON.parse(readFileSync(path, 'utf8')));
  }
  return cache.get(name) as T;
}

/** A tensor with an encoded value's data and shape; floats may be widened (float64 for gradchecks). */
export function fromEncoded(e: Encoded, floatAs?: DType): Tensor {
  const isFloat = e.dtype === 'float32' || e.dtype === 'float64';
  const dtype = (isFloat && floatAs ? floatAs : e.dtype) as DType;
  return tensor(e.data, e.shape, dtype);
}

/** Output weight w_k[i] = (((7 i + 3 + 5 k) mod 11) - 5) / 4: exact in floating point, as in scripts/gen-fixtures.py. */
export function outputWeights(n: number, k: number): number[] {
  return Array.from({ length: n }, (_, i) => (((7 * i + 3 + 5 * k) % 11) - 5) / 4);
}
