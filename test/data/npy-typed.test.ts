// parseNpyTyped: .npy arrays of every dtype a model input may have, read into arrays of that dtype, and the refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNpyTyped } from '../../src/data/index.js';
import { DatasetError } from '../../src/errors.js';
import { npyBytes } from './fixtures.js';

test('parseNpyTyped reads float32, float64, int64, int32, int16, int8, uint8 and bool into their own dtypes', () => {
  const cases: [string, ArrayBufferView, string, number[] | bigint[]][] = [
    ['<f4', Float32Array.of(1.5, -2), 'float32', [1.5, -2]],
    ['<f8', Float64Array.of(0.1, 1e300), 'float64', [0.1, 1e300]],
    ['<i8', BigInt64Array.of(2n ** 40n, -3n), 'int64', [2n ** 40n, -3n]],
    ['<i4', Int32Array.of(-7, 2 ** 30), 'int32', [-7, 2 ** 30]],
    ['<i2', Int16Array.of(-300, 300), 'int16', [-300, 300]],
    ['|i1', Int8Array.of(-128, 127), 'int8', [-128, 127]],
    ['|u1', Uint8Array.of(0, 255), 'uint8', [0, 255]],
    ['|b1', Uint8Array.of(1, 0), 'bool', [1, 0]],
  ];
  for (const [descr, data, dtype, values] of cases) {
    const a = parseNpyTyped(npyBytes(descr, [2], data), `x${descr}.npy`);
    assert.equal(a.dtype, dtype, descr);
    assert.deepEqual(a.shape, [2]);
    assert.deepEqual(Array.from(a.data as ArrayLike<number | bigint>), values, descr);
  }
});

test('parseNpyTyped refuses big-endian multi-byte data, unheld dtypes, bool bytes other than 0/1 and truncated data', () => {
  const refuse = (bytes: Buffer, message: RegExp): void => assert.throws(() => parseNpyTyped(bytes, 'bad.npy'), (e: unknown) => e instanceof DatasetError && message.test(e.message));
  refuse(npyBytes('>f4', [1], Float32Array.of(1)), /dtype >f4 is not supported/);
  refuse(npyBytes('<u4', [1], Uint32Array.of(1)), /dtype <u4 is not supported/);
  refuse(npyBytes('<f2', [1], Uint16Array.of(1)), /dtype <f2 is not supported/);
  refuse(npyBytes('|b1', [2], Uint8Array.of(1, 2)), /bool \.npy array holds bytes other than 0 and 1/);
  refuse(npyBytes('<f4', [4], Float32Array.of(1)), /truncated: shape \(4\) of <f4 needs 16 data bytes, file has 4/);
});
