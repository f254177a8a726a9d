// customFunction: outputs computed without autograd joined to the graph with a backward written in JS (libtorch's
// custom Function): gradients reach the inputs in the same backward pass, inputs that do not require grad get none,
// a JS error in the backward surfaces from backward(), and a freed node's function is dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add, customFunction, detach, liveCustomFunctions, liveTensors, mul, noGrad, sum, tensor, tidy } from '../../src/tensor/index.js';
import { assertClose } from '../helpers/assert-close.js';

test('customFunction: y = a * b with a JS backward gives autograd the product rule, and the graph around it flows on', () => {
  tidy(() => {
    const a = tensor([1, 2, 3], [3], 'float32');
    const b = tensor([4, 5, 6], [3], 'float32');
    a.requiresGrad = true;
    b.requiresGrad = true;
    const [a2, b2] = [mul(a, 2), add(b, 1)]; // inputs with a history
    const y0 = noGrad(() => mul(detach(a2), detach(b2)));
    const [y] = customFunction([a2, b2], [y0], ([g]) => [mul(g!, detach(b2)), mul(g!, detach(a2))]);
    assert.deepEqual(y!.toArray(), [10, 24, 42]);
    sum(mul(y!, y!)).backward(); // d/da = 2y * b2 * 2, d/db = 2y * a2
    assertClose(a.grad!, [2 * 10 * 5 * 2, 2 * 24 * 6 * 2, 2 * 42 * 7 * 2]);
    assertClose(b.grad!, [2 * 10 * 2, 2 * 24 * 4, 2 * 42 * 6]);
  });
});

test('customFunction: an output the loss does not use gets a null gradient; an input without grad gets none', () => {
  tidy(() => {
    const a = tensor([1, 2], [2], 'float32');
    a.requiresGrad = true;
    const frozen = tensor([3, 4], [2], 'float32');
    const seen: (number[] | null)[] = [];
    const outs = customFunction([a, frozen], [noGrad(() => mul(detach(a), 3)), noGrad(() => mul(detach(a), 5))], (grads) => {
      seen.push(...grads.map((g) => (g ? g.toArray() : null)));
      return [add(mul(grads[0]!, 3), 0), null];
    });
    sum(outs[0]!).backward();
    assert.deepEqual(seen, [[1, 1], null]);
    assert.deepEqual(a.grad!.toArray(), [3, 3]);
    assert.equal(frozen.grad, null);
  });
});

test('customFunction: with no input requiring grad, or under noGrad, the outputs come back detached', () => {
  tidy(() => {
    const a = tensor([1, 2], [2], 'float32');
    const [y] = customFunction([a], [mul(a, 2)], () => [null]);
    assert.equal(y!.requiresGrad, false);
    a.requiresGrad = true;
    const [z] = noGrad(() => customFunction([a], [noGrad(() => mul(detach(a), 2))], () => [null]));
    assert.equal(z!.requiresGrad, false);
  });
});

test('customFunction: an error thrown by the JS backward surfaces from backward() with its message', () => {
  tidy(() => {
    const a = tensor([1, 2], [2], 'float32');
    a.requiresGrad = true;
    const [y] = customFunction([a], [noGrad(() => mul(detach(a), 2))], () => {
      throw new Error('the backward failed here');
    });
    assert.throws(() => sum(y!).backward(), /the backward failed here/);
  });
});

test('customFunction: a freed node drops its JS function, and no tensor is leaked', () => {
  const live = liveTensors();
  const fns = liveCustomFunctions();
  for (let i = 0; i < 20; i++) {
    tidy(() => {
      const a = tensor([1, 2], [2], 'float32');
      a.requiresGrad = true;
      const [y] = customFunction([a], [noGrad(() => mul(detach(a), 2))], ([g]) => [mul(g!, 2)]);
      sum(y!).backward();
    });
  }
  // the functions of freed nodes are dropped on the next call; at most the last one is still held
  assert.ok(liveCustomFunctions() <= fns + 1, `${liveCustomFunctions()} custom functions held`);
  assert.equal(liveTensors(), live);
});
