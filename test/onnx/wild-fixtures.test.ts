// Issue 33 on the small exports committed under test/fixtures/wild/ (written by scripts/gen-wild-models.py
// --fixtures): each imports, gets the symbolic batch N (fixed-batch files included), runs at batch 1 and 3 equal to
// PyTorch, converts to a file onnxruntime runs at batch 3 to the same output, and gives PyTorch's gradients. A model
// whose ops are not supported yet is skipped with the op named. The large ones: scripts/check-wild-models.sh.
import { test } from 'node:test';
import { join } from 'node:path';
import { packageRoot } from '../helpers/fixtures.js';
import { checkWildVariant, wildVariants } from '../helpers/wild.js';

const root = join(packageRoot(), 'test', 'fixtures', 'wild');

for (const v of wildVariants(root)) {
  test(`${v}: infer at batch 1 and 3, onnxruntime after convert, gradients, all equal to PyTorch`, async (t) => {
    await checkWildVariant(t, join(root, v));
  });
}
