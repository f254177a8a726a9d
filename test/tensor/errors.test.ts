// Bad input is a thrown Error with a clear message (op and problem), never a crash: the process goes on working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/tensor/index.js';
import { EngineError } from '../../src/errors.js';

type Case = { name: string; fn: () => unknown; message: RegExp; op: string | RegExp; code?: string };

/** A fresh tensor that requires grad. */
function leaf(shape: number[]): T.Tensor {
  const t = T.ones(shape);
  t.requiresGrad = true;
  return t;
}

function disposed(): T.Tensor {
  const t = T.ones([2, 3]);
  t.dispose();
  return t;
}

const CASES: Case[] = [
  // wrong shapes
  { name: 'conv2d with mismatched channels', fn: () => T.conv2d(T.zeros([1, 3, 5, 5]), T.zeros([4, 2, 3, 3])), op: 'aten::conv2d',
    message: /aten::conv2d: .*weight of size \[4, 2, 3, 3\], expected input\[1, 3, 5, 5\] to have 2 channels, but got 3 channels/ },
  { name: 'conv2d with a 2-d input', fn: () => T.conv2d(T.zeros([3, 3]), T.zeros([1, 1, 2, 2])), op: 'aten::conv2d', message: /aten::conv2d: Expected 3D \(unbatched\) or 4D \(batched\) input/ },
  { name: 'matmul with mismatched inner dims', fn: () => T.matmul(T.zeros([2, 3]), T.zeros([2, 3])), op: 'aten::matmul', message: /aten::matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/ },
  { name: 'linear with the wrong in-features', fn: () => T.linear(T.zeros([2, 3]), T.zeros([4, 5])), op: 'aten::linear', message: /aten::linear: mat1 and mat2 shapes cannot be multiplied/ },
  { name: 'add without broadcastable shapes', fn: () => T.add(T.zeros([2, 3]), T.zeros([2])), op: 'aten::add', message: /aten::add.*size of tensor a \(3\) must match the size of tensor b \(2\)/ },
  { name: 'cat with mismatched sizes', fn: () => T.cat([T.zeros([2, 3]), T.zeros([2, 2])], 0), op: 'aten::cat', message: /aten::cat: Sizes of tensors must match except in dimension 0/ },
  { name: 'mse with different shapes', fn: () => T.mse(T.zeros([2, 3]), T.zeros([3, 2])), op: 'aten::mse_loss', message: /aten::mse_loss: The size of tensor a/ },
  { name: 'transpose with a dim out of range', fn: () => T.transpose(T.zeros([2, 3]), 0, 5), op: 'aten::transpose', message: /aten::transpose.*Dimension out of range/ },
  { name: 'permute with a repeated dim', fn: () => T.permute(T.zeros([2, 3]), [0, 0]), op: 'aten::permute', message: /aten::permute: .*duplicate dims/ },
  { name: 'batchNorm in eval mode without running stats', fn: () => T.batchNorm(T.zeros([2, 3, 2, 2]), null, null, null, null, { training: false }), op: 'aten::batch_norm', message: /aten::batch_norm: running_mean must be defined in evaluation mode/ },
  { name: 'reshape to a size that does not fit', fn: () => T.reshape(T.zeros([2, 3]), [4, 2]), op: 'aten::reshape', message: /shape '\[4, 2\]' is invalid for input of size 6/ },
  { name: 'zeros with a negative dim', fn: () => T.zeros([-1]), op: 'aten::zeros', message: /aten::zeros: Trying to create tensor with negative dimension -1/ },
  // wrong dtypes and values
  { name: 'crossEntropy with float targets', fn: () => T.crossEntropy(T.zeros([2, 3]), T.zeros([2])), op: 'aten::cross_entropy_loss', message: /aten::cross_entropy_loss: expected scalar type Long but found Float/ },
  { name: 'crossEntropy with a target out of range', fn: () => T.crossEntropy(T.zeros([2, 3]), T.tensor([0, 7], [2], 'int64')), op: 'aten::cross_entropy_loss', message: /aten::cross_entropy_loss: Target 7 is out of bounds/ },
  { name: 'matmul of float32 with float64', fn: () => T.matmul(T.zeros([2, 3]), T.zeros([3, 2], { dtype: 'float64' })), op: 'aten::matmul', message: /aten::matmul: expected scalar type Float but found Double/ },
  { name: 'indexSelect with float indices', fn: () => T.indexSelect(T.zeros([2, 3]), 0, T.zeros([1])), op: 'aten::index_select', message: /aten::index_select: .*Expected dtype int32 or int64 for index/ },
  { name: 'indexSelect with an index out of range', fn: () => T.indexSelect(T.zeros([2, 3]), 0, T.tensor([5], [1], 'int64')), op: 'aten::index_select', message: /aten::index_select: index out of range/ },
  { name: 'requiresGrad on an integer tensor', fn: () => { T.tensor([1], [1], 'int64').requiresGrad = true; }, op: 'requiresGrad', message: /Only Tensors of floating point and complex dtype can require gradients/ },
  { name: 'a string where a tensor belongs', fn: () => T.relu('x' as unknown as T.Tensor), op: 'aten::relu', code: 'E_ARG', message: /aten::relu argument 'self': expected a Tensor/ },
  { name: 'an unknown operator', fn: () => T.callAten('no_such_op', ''), op: 'aten::no_such_op', code: 'E_ARG', message: /unknown operator aten::no_such_op/ },
  // tensor() and dtypes
  { name: 'tensor() with a shape that does not match the data', fn: () => T.tensor([1, 2, 3], [2, 2]), op: 'tensor', code: 'E_ARG', message: /fromData: shape \[2, 2\] holds 4 elements but the data has 3/ },
  { name: 'tensor() with a negative dim', fn: () => T.tensor([1, 2], [-1, 2]), op: 'tensor', code: 'E_ARG', message: /shape: expected an array of non-negative integers/ },
  { name: 'tensor() with an unknown dtype', fn: () => T.tensor([1], [1], 'foo' as T.DType), op: 'tensor', code: 'E_ARG', message: /unknown dtype 'foo' \(expected float32, float64/ },
  { name: 'zeros with an unknown dtype', fn: () => T.zeros([1], { dtype: 'float8' as T.DType }), op: 'aten::zeros', code: 'E_ARG', message: /unknown dtype 'float8'/ },
  { name: 'item() of a tensor with 6 elements', fn: () => T.zeros([2, 3]).item(), op: 'item', code: 'E_ARG', message: /item: tensor has 6 elements, expected exactly one/ },
  // disposed tensors
  { name: 'a disposed tensor passed to an op', fn: () => T.relu(disposed()), op: 'aten::relu', code: 'E_ARG', message: /aten::relu: argument 0 is a disposed tensor and cannot be used again/ },
  { name: 'shape of a disposed tensor', fn: () => disposed().shape, op: 'tensor', code: 'E_ARG', message: /tensor was disposed and cannot be used again/ },
  { name: 'data() of a disposed tensor', fn: () => disposed().data(), op: 'tensor', code: 'E_ARG', message: /tensor was disposed and cannot be used again/ },
  { name: 'backward() of a disposed tensor', fn: () => disposed().backward(), op: 'tensor', code: 'E_ARG', message: /tensor was disposed/ },
  // autograd misuse
  { name: 'backward through a noGrad result', fn: () => { const x = leaf([2]); T.noGrad(() => T.sum(T.mul(x, 2))).backward(); }, op: 'backward',
    message: /backward: the tensor does not require grad and has no grad_fn \(was it computed in a no-grad scope/ },
  { name: 'backward of a tensor that never required grad', fn: () => T.sum(T.ones([3])).backward(), op: 'backward', message: /backward: the tensor does not require grad/ },
  { name: 'backward of a non-scalar without a gradient', fn: () => T.mul(leaf([2]), 2).backward(), op: 'backward', message: /grad can be implicitly created only for scalar outputs/ },
  { name: 'backward twice without retainGraph', fn: () => { const l = T.sum(T.mul(leaf([2]), leaf([2]))); l.backward(); l.backward(); }, op: 'backward', message: /Trying to backward through the graph a second time/ },
];

/** Runs fn expecting an EngineError; returns it. */
function expectError(c: Case): EngineError {
  let caught: unknown;
  T.tidy(() => {
    try {
      c.fn();
    } catch (e) {
      caught = e;
    }
  });
  assert.ok(caught !== undefined, `${c.name}: did not throw`);
  assert.ok(caught instanceof EngineError, `${c.name}: threw ${String(caught)}, not an EngineError`);
  return caught;
}

for (const c of CASES) {
  test(`throws: ${c.name}`, () => {
    const e = expectError(c);
    assert.match(e.message, c.message);
    if (typeof c.op === 'string') assert.equal(e.op, c.op);
    else assert.match(e.op, c.op);
    assert.equal(e.code, c.code ?? 'E_TORCH');
    // the engine still works afterwards
    T.tidy(() => assert.deepEqual(T.relu(T.tensor([-1, 2], [2])).toArray(), [0, 2]));
  });
}

// STYLE.md 7.4: messages read `<where>: <what>`. EngineError.op is right for these, but the message text does not say
// which op failed (for a disposed tensor, not even .op does: it says 'tensor', not the op it was passed to).
const UNNAMED: [string, RegExp][] = [
  ['a disposed tensor passed to an op', /relu/],
  ['reshape to a size that does not fit', /reshape/],
  ['tensor() with an unknown dtype', /^tensor: /],
  ['tensor() with a negative dim', /^tensor: /],
  ['zeros with an unknown dtype', /zeros/],
  ['backward of a non-scalar without a gradient', /^backward: /],
  ['backward twice without retainGraph', /^backward: /],
  ['requiresGrad on an integer tensor', /^requiresGrad: /],
];
for (const [name, op] of UNNAMED) {
  test(`message names the op: ${name}`, () => {
    assert.match(expectError(CASES.find((c) => c.name === name)!).message, op);
  });
}

test('disposing twice is a no-op, and isDisposed tells', () => {
  const t = T.ones([2]);
  t.dispose();
  t.dispose();
  assert.equal(t.isDisposed, true);
  assert.equal(t.toString(), 'Tensor(disposed)');
});

test('a failed op inside noGrad restores grad mode', () => {
  assert.equal(T.isGradEnabled(), true);
  assert.throws(() => T.noGrad(() => T.matmul(T.zeros([2, 3]), T.zeros([2, 3]))), /cannot be multiplied/);
  assert.equal(T.isGradEnabled(), true);
});
