// libtorch 1.13 corrupts the heap in the backward of a channels-last 1x1 convolution with stride 2 and 5 input
// channels (PyTorch 1.13 itself aborts on it); conv2d computes it another way. Forward and gradients must equal the
// NCHW computation, and the process must survive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clone, contiguous, conv2d, manualSeed, randn, sum, tidy, type Tensor } from '../../src/tensor/index.js';
import { assertClose } from '../helpers/assert-close.js';

const expected = (t: Tensor) => ({ shape: t.shape, data: t.toArray() });

for (const [cin, stride, side] of [[5, 2, 28], [3, 2, 14], [6, [2, 3], 15], [16, 2, 8]] as const) {
  test(`conv2d 1x1 stride ${String(stride)}, ${cin} input channels, channels-last: same values and gradients as NCHW`, () => {
    manualSeed(0);
    tidy(() => {
      const x0 = randn([16, cin, side, side]);
      const w0 = randn([21, cin, 1, 1]);
      const run = (format: 'contiguous' | 'channels_last') => {
        // fresh leaves each run (contiguous() of a contiguous tensor is the tensor itself)
        const x = contiguous(clone(x0), format);
        const w = contiguous(clone(w0), format);
        x.requiresGrad = true;
        w.requiresGrad = true;
        const y = conv2d(x, w, null, { stride });
        sum(y).backward();
        return { y: contiguous(y), gx: contiguous(x.grad!), gw: contiguous(w.grad!) };
      };
      for (let k = 0; k < 3; k++) {
        const a = run('contiguous');
        const b = run('channels_last');
        assert.deepEqual(b.y.shape, a.y.shape);
        assertClose(b.y, expected(a.y), { atol: 1e-4 });
        assertClose(b.gx, expected(a.gx), { atol: 1e-4 });
        assertClose(b.gw, expected(a.gw), { atol: 1e-3 });
      }
    });
  });
}
