// Oracle comparison in the order of tinygrad's helper_test_op: shape, then dtype, then values (atol + rtol * |expected|).
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/index.js';

/** Expected values: a flat array, or a fixture record with shape (and dtype) to check first. */
export type Expected = readonly number[] | number | { shape: readonly number[]; dtype?: string; data: readonly number[] };
export type Tolerance = { atol?: number; rtol?: number; what?: string };

/**
 * Asserts that `actual` matches `expected`: shape first (when both carry one), then dtype, then every value within
 * atol + rtol * |expected|. The failure message names the first bad index, the mismatch count and the max abs diff.
 */
export function assertClose(actual: Tensor | readonly number[] | number, expected: Expected, o: Tolerance = {}): void {
  const { atol = 1e-5, rtol = 1e-4, what = 'value' } = o;
  let got: readonly number[];
  if (actual instanceof Tensor) {
    if (typeof expected === 'object' && !Array.isArray(expected)) {
      const e = expected as { shape: readonly number[]; dtype?: string };
      assert.deepEqual(actual.shape, [...e.shape], `${what}: shape [${actual.shape.join(', ')}] vs expected [${e.shape.join(', ')}]`);
      if (e.dtype !== undefined) assert.equal(actual.dtype, e.dtype, `${what}: dtype ${actual.dtype} vs expected ${e.dtype}`);
    }
    got = actual.toArray();
  } else {
    got = typeof actual === 'number' ? [actual] : actual;
  }
  const want = typeof expected === 'number' ? [expected] : Array.isArray(expected) ? (expected as readonly number[]) : (expected as { data: readonly number[] }).data;
  assert.equal(got.length, want.length, `${what}: ${got.length} values vs expected ${want.length}`);
  let bad = 0;
  let first = -1;
  let maxDiff = 0;
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!;
    const e = want[i]!;
    const diff = Math.abs(a - e);
    const ok = diff <= atol + rtol * Math.abs(e) || (Number.isNaN(a) && Number.isNaN(e)) || a === e;
    if (!Number.isNaN(diff)) maxDiff = Math.max(maxDiff, diff);
    if (!ok) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) {
    assert.fail(
      `${what}: ${bad} of ${want.length} values differ (atol ${atol}, rtol ${rtol}); max abs diff ${maxDiff.toExponential(3)}; ` +
        `first at [${first}]: got ${got[first]}, expected ${want[first]}`,
    );
  }
}
