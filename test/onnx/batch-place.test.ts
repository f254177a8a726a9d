// The placement rule of docs/fixed-batch.md: where a Reshape's output can hold the batch without mixing samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placements, resolveTarget } from '../../src/onnx/batch-place.js';

const whole = { axis: 0, p: 1, q: 1 };

test('LeNet view(N, -1): the batch stays the whole first axis; putting it into the 400 features is ranked last', () => {
  assert.deepEqual(placements([1, 16, 5, 5], whole, [1, 400], 1), [{ j: 0, p: 1, q: 1 }, { j: 1, p: 1, q: 400 }]);
});

test('a 1 that is not the batch: [1, 1, 24] puts the batch at the input\'s axis first, the channel 1 after', () => {
  assert.deepEqual(placements([1, 1, 4, 6], whole, [1, 1, 24], 1).map((c) => c.j), [0, 1, 2]);
  assert.deepEqual(placements([1, 1, 4, 6], whole, [1, 1, 24], 1)[0], { j: 0, p: 1, q: 1 });
});

test('attention: view(T, B * heads, d) merges the batch outermost with the heads; view(T * B, E) innermost with T', () => {
  const tbe = { axis: 1, p: 1, q: 1 };
  assert.deepEqual(placements([65, 1, 64], tbe, [65, 4, 16], 1)[0], { j: 1, p: 1, q: 4 });
  const heads = { axis: 1, p: 1, q: 4 };
  assert.deepEqual(placements([65, 4, 16], heads, [65, 64], 1)[0], { j: 0, p: 65, q: 1 });
  assert.deepEqual(placements([65, 64], { axis: 0, p: 65, q: 1 }, [65, 1, 64], 1)[0], { j: 1, p: 1, q: 1 });
});

test('an export batch above 1 leaves one placement; none when the target splits the batch', () => {
  assert.deepEqual(placements([4, 16, 5, 5], whole, [4, 400], 4), [{ j: 0, p: 1, q: 1 }]);
  assert.deepEqual(placements([4, 6], whole, [2, 12], 4), []);
});

test('resolveTarget: 0 copies (unless allowzero), -1 infers, a misfit is undefined', () => {
  assert.deepEqual(resolveTarget([0, -1], [3, 4, 5], false), [3, 20]);
  assert.equal(resolveTarget([0, -1], [3, 4, 5], true), undefined);
  assert.equal(resolveTarget([7, -1], [3, 4, 5], false), undefined);
  assert.equal(resolveTarget([-1, -1], [3, 4], false), undefined);
});
