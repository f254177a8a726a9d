// Resize against PyTorch's F.interpolate (test/fixtures/resize-op.json, from scripts/gen-resize-op-fixtures.py): the
// ONNX attributes torch.onnx writes for each mode, forward and the gradient of sum(y * w), both through libtorch's
// upsampling kernels (where the kernel takes that path) and through the spec-exact taps that every other mode uses
// (their coordinates are float32, as libtorch computes them for float32 inputs, hence the 1e-5 on float64 data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { float, int, string, type Attr, type Node } from '../../src/graph/index.js';
import { mul, sum, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { atenResize, plan, readAttrs, tapResize } from '../../src/exec/kernels/resize.js';
import type { KernelContext } from '../../src/exec/kernel.js';
import { assertClose } from '../helpers/assert-close.js';
import { fixturesDir } from '../onnx/helpers.js';
import { i64, runNode } from './run-node.js';

type Case = { name: string; shape: number[]; sizes: number[]; onnx: Record<string, string | number>; x: number[]; w: number[]; y: number[]; dx: number[]; yShape: number[] };
const fixture = JSON.parse(readFileSync(join(fixturesDir, '..', 'resize-op.json'), 'utf8')) as { cases: Case[] };

function nodeOf(onnx: Case['onnx']): Node {
  const attrs: Record<string, Attr> = {};
  for (const [k, v] of Object.entries(onnx)) attrs[k] = typeof v === 'string' ? string(v) : k === 'cubic_coeff_a' ? float(v) : int(v);
  return { name: 'resize', opType: 'Resize', domain: '', inputs: ['x', '', '', 'sizes'], outputs: ['y'], attrs };
}

/** Output and input gradient of sum(y * w) through one path ('aten' returns null where the kernel would not take it). */
function through(c: Case, path: 'aten' | 'taps'): { y: number[]; dx: number[] } | null {
  return tidy(() => {
    const ctx: KernelContext = { node: nodeOf(c.onnx), training: false, opset: 19 };
    const x = tensor(Float64Array.from(c.x), c.shape, 'float64');
    x.requiresGrad = true;
    const at = readAttrs(ctx);
    const p = plan(x, [x, null, null, i64(c.sizes)], ctx, at);
    const y: Tensor | null = path === 'aten' ? atenResize(x, p, at) : tapResize(x, p, at, 0);
    if (!y) return null;
    assert.deepEqual(y.shape, c.yShape, `${c.name} (${path}): output shape`);
    sum(mul(y, tensor(Float64Array.from(c.w), c.yShape, 'float64'))).backward();
    return { y: y.toArray(), dx: x.grad!.toArray() };
  });
}

const ATEN = new Set(['nearest up', 'nearest down', 'nearest-exact', 'bilinear', 'bilinear down', 'bilinear align_corners', 'bicubic', 'bicubic align_corners down', 'linear 1-D', 'trilinear', 'nearest 3-D']);

for (const c of fixture.cases) {
  test(`Resize ${c.name} equals F.interpolate, forward and backward, on ${ATEN.has(c.name) ? "libtorch's kernel and " : ''}the taps`, () => {
    for (const path of ['aten', 'taps'] as const) {
      const r = through(c, path);
      if (path === 'aten') assert.equal(r !== null, ATEN.has(c.name), `${c.name}: libtorch's kernel ${ATEN.has(c.name) ? 'expected' : 'not expected'}`);
      if (!r) continue;
      assertClose(r.y, c.y, { atol: 1e-6, rtol: 1e-5, what: `${c.name} (${path}) y` });
      assertClose(r.dx, c.dx, { atol: 1e-6, rtol: 1e-5, what: `${c.name} (${path}) dx` });
    }
  });
}

test('Resize by scales, axes and keep_aspect_ratio_policy (opset 18) and tf_crop_and_resize with extrapolation', () => {
  const x = tensor(Float32Array.from({ length: 16 }, (_, i) => i), [1, 1, 4, 4], 'float32');
  // axes [3] with scale 0.5: only the last axis shrinks (nearest, asymmetric floor: columns 0 and 2).
  const a = runNode('Resize', [x, null, tensor([0.5], [1], 'float32')], { mode: string('nearest'), axes: { kind: 'ints', value: [3] }, coordinate_transformation_mode: string('asymmetric'), nearest_mode: string('floor') }, { opset: 18 })[0]!;
  assert.deepEqual([a.shape, a.data], [[1, 1, 4, 2], [0, 2, 4, 6, 8, 10, 12, 14]]);
  // not_larger: sizes [2, 3] of a 4x4 become a common scale 0.5, so 2x2.
  const b = runNode('Resize', [x, null, null, i64([2, 3])], { mode: string('nearest'), axes: { kind: 'ints', value: [2, 3] }, keep_aspect_ratio_policy: string('not_larger') }, { opset: 18 })[0]!;
  assert.deepEqual(b.shape, [1, 1, 2, 2]);
  // A crop past the right edge takes extrapolation_value there.
  const roi = tensor([0, 0, 0, 0.5, 1, 1, 1, 1.5], [8], 'float32');
  const c = runNode('Resize', [x, roi, null, i64([1, 1, 2, 2])], { mode: string('linear'), coordinate_transformation_mode: string('tf_crop_and_resize'), extrapolation_value: float(-7) }, { opset: 13 })[0]!;
  assert.deepEqual(c.shape, [1, 1, 2, 2]);
  assertClose(c.data, [1.5, -7, 13.5, -7], { what: 'crop' });
});
