// The checks of issue 33 on one folder written by scripts/gen-wild-models.py (<model>-op<opset>-<fixed|dynamic>):
// whittle's output at batch 1 and 3 equals PyTorch's within |d| <= 1e-4 + 1e-3·max|ref|; the file `convert` writes
// runs in onnxruntime-node at batch 3 to the same output; the gradients of sum(y3 * r3) equal PyTorch's. A model
// whose ops whittle does not run yet is skipped, naming the op.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import * as ort from 'onnxruntime-node';
import { parseNpy } from '../../src/data/npy.js';
import { loadOnnx, OnnxError, toOnnxBytes } from '../../src/onnx/index.js';
import { runGraph } from '../../src/exec/index.js';
import { GraphError, type Graph } from '../../src/graph/index.js';
import { mul, noGrad, sum, tensor, tidy, type Tensor } from '../../src/tensor/index.js';

type Arr = { shape: number[]; data: Float32Array | BigInt64Array };
type Meta = { model: string; opset: number; batch: 'fixed' | 'dynamic'; input_dtype: 'float32' | 'int64' };

/** The variant folders under `root` (those with a meta.json), sorted. */
export function wildVariants(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((d) => existsSync(join(root, d, 'meta.json'))).sort();
}

function readArray(path: string, dtype: 'float32' | 'int64'): Arr {
  const a = parseNpy(readFileSync(path), path);
  if (dtype === 'float32') {
    assert.ok(a.data instanceof Float32Array, `${path}: float32 expected`);
    return { shape: a.shape, data: a.data };
  }
  return { shape: a.shape, data: BigInt64Array.from(Array.from(a.data as ArrayLike<number | bigint>, (v) => BigInt(v))) };
}

const toTensor = (a: Arr): Tensor => (a.data instanceof Float32Array ? tensor(a.data, a.shape, 'float32') : tensor(a.data, a.shape, 'int64'));

/** Asserts |got - want| <= 1e-4 + 1e-3·max|want| elementwise; returns the largest difference. */
export function assertWithin(got: ArrayLike<number>, want: ArrayLike<number>, what: string): number {
  assert.equal(got.length, want.length, `${what}: ${got.length} values vs ${want.length}`);
  let top = 0;
  for (let i = 0; i < want.length; i++) top = Math.max(top, Math.abs(want[i]!));
  const tol = 1e-4 + 1e-3 * top;
  let worst = 0;
  let at = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  assert.ok(worst <= tol, `${what}: max |d| ${worst.toExponential(3)} at ${at} (${got[at]} vs ${want[at]}) > ${tol.toExponential(3)}`);
  return worst;
}

function forward(g: Graph, x: Arr): { shape: number[]; data: number[] } {
  return noGrad(() => tidy(() => {
    const y = runGraph(g, { [g.inputs[0]!.name]: toTensor(x) })[g.outputs[0]!.name]!;
    return { shape: y.shape, data: y.toArray() };
  }));
}

/** Loads the variant, or skips the test naming what whittle does not support yet. */
function load(t: TestContext, path: string): Graph | null {
  try {
    return loadOnnx(path);
  } catch (e) {
    if (e instanceof OnnxError && /not supported/.test(e.message)) {
      t.skip(`not supported yet: ${e.message}`);
      return null;
    }
    throw e;
  }
}

/** Runs every check of the header on one variant folder. */
export async function checkWildVariant(t: TestContext, dir: string): Promise<void> {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
  const g = load(t, join(dir, 'model.onnx'));
  if (!g) return;
  try {
    assert.equal(g.inputs[0]!.shape?.[0], 'N', `input batch dim: ${JSON.stringify(g.inputs[0]!.shape)} (a ${meta.batch} export gets the symbol N)`);
    assert.equal(g.outputs[0]!.shape?.[0], 'N', `output batch dim: ${JSON.stringify(g.outputs[0]!.shape)} (a ${meta.batch} export gets the symbol N)`);
    const x3 = readArray(join(dir, 'x3.npy'), meta.input_dtype);
    const y3 = readArray(join(dir, 'y3.npy'), 'float32');
    for (const b of [1, 3]) {
      const x = b === 1 ? readArray(join(dir, 'x1.npy'), meta.input_dtype) : x3;
      const y = b === 1 ? readArray(join(dir, 'y1.npy'), 'float32') : y3;
      let out: { shape: number[]; data: number[] };
      try {
        out = forward(g, x);
      } catch (e) {
        // A kernel that exists for other cases of the op (a 2-D Conv kernel given a 1-D convolution).
        if (e instanceof GraphError && / is not supported/.test(e.message)) return t.skip(`not supported yet: ${e.message}`);
        throw e;
      }
      assert.deepEqual(out.shape, y.shape, `batch ${b}: output shape`);
      assertWithin(out.data, y.data as Float32Array, `whittle vs PyTorch at batch ${b}`);
    }
    const session = await ort.InferenceSession.create(toOnnxBytes(g), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    try {
      const feed = x3.data instanceof Float32Array ? new ort.Tensor('float32', x3.data, x3.shape) : new ort.Tensor('int64', x3.data, x3.shape);
      const r = await session.run({ [session.inputNames[0]!]: feed });
      const o = r[session.outputNames[0]!]!;
      assert.deepEqual([...o.dims], y3.shape, 'onnxruntime output shape at batch 3');
      assertWithin(o.data as Float32Array, y3.data as Float32Array, 'onnxruntime (converted) vs PyTorch at batch 3');
    } finally {
      await session.release();
    }
    checkGradients(g, dir, x3);
  } finally {
    g.dispose();
  }
}

/** The gradients of sum(y3 * r3) for every initializer grads.json lists, against PyTorch's. */
function checkGradients(g: Graph, dir: string, x3: Arr): void {
  const rows = JSON.parse(readFileSync(join(dir, 'grads.json'), 'utf8')) as [string, number[], number, string][];
  const all = readArray(join(dir, 'grads.npy'), 'float32').data as Float32Array;
  const r3 = readArray(join(dir, 'r3.npy'), 'float32');
  tidy(() => {
    const y = runGraph(g, { [g.inputs[0]!.name]: toTensor(x3) })[g.outputs[0]!.name]!;
    sum(mul(y, toTensor(r3))).backward();
  });
  try {
    for (const [name, shape, offset, param] of rows) {
      const init = g.initializers.get(name);
      assert.ok(init, `initializer '${name}' (PyTorch ${param}) is not in the imported graph`);
      const grad = init.tensor.grad;
      assert.ok(grad, `'${name}' (PyTorch ${param}) has no gradient`);
      assert.deepEqual(grad.shape, shape, `gradient shape of '${name}'`);
      const n = shape.reduce((a, b) => a * b, 1);
      assertWithin(grad.toArray(), all.subarray(offset, offset + n), `gradient of '${name}' (PyTorch ${param})`);
      grad.dispose();
    }
  } finally {
    for (const { tensor: p, kind } of g.initializers.values()) if (kind === 'param') p.grad = null;
  }
}
