// Tensor sets reach models as the models take them: int64 token ids stay int64, float sequences keep their shape.
// The wild fixtures' inputs, read through npy:DIR and the batch loader, give PyTorch's outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tidy } from '../../src/tensor/index.js';
import { BatchLoader, openDataset, parseNpyTyped } from '../../src/data/index.js';
import { batchOnDevice, forward } from '../../src/distill/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { packageRoot } from '../helpers/fixtures.js';

for (const [model, dtype] of [['text_transformer', 'int64'], ['gru', 'float32'], ['conv1d', 'float32']] as const) {
  test(`npy: a tensor set feeds ${model} its ${dtype} inputs as PyTorch did`, async () => {
    const fixture = join(packageRoot(), 'test', 'fixtures', 'wild', `${model}-op17-fixed`);
    const dir = mkdtempSync(join(tmpdir(), 'whittle-feed-'));
    try {
      for (const split of ['train', 'test']) {
        mkdirSync(join(dir, split));
        copyFileSync(join(fixture, 'x3.npy'), join(dir, split, 'x.npy'));
      }
      const ds = await openDataset(`npy:${dir}`, { valSize: 0 });
      assert.equal(ds.inputs[0]!.dtype, dtype);
      const g = loadOnnx(readFileSync(join(fixture, 'model.onnx')));
      const want = parseNpyTyped(readFileSync(join(fixture, 'y3.npy')), 'y3.npy');
      try {
        tidy(() => {
          const { x } = batchOnDevice(BatchLoader.of(ds, 'test', { batchSize: 3 }).next(), 'cpu');
          assert.equal(x.dtype, dtype);
          const y = forward(g, x, false);
          assertClose(y, { shape: want.shape, data: Array.from(want.data as Float32Array) }, { atol: 1e-4, rtol: 1e-3, what: `${model} output` });
        });
      } finally {
        g.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
