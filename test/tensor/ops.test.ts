// Every op of src/tensor/ops against PyTorch (test/fixtures/ops.json): forward outputs, then the gradient of
// sum_k sum(out_k * w_k) with respect to each float input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy, type Tensor } from '../../src/tensor/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { type OpCase, loadFixture } from '../helpers/fixtures.js';
import { OPS, makeInputs, runOp, weightedLoss } from '../helpers/op-table.js';

const { ops } = loadFixture<{ ops: OpCase[] }>('ops.json');
const TOL = { atol: 1e-5, rtol: 1e-4 };

test('the op table covers every fixture op, and the fixtures cover every op of the table', () => {
  const inFixtures = new Set(ops.map((c) => c.op));
  assert.deepEqual([...inFixtures].filter((op) => !(op in OPS)), [], 'fixture ops without an op-table entry');
  assert.deepEqual(Object.keys(OPS).filter((op) => !inFixtures.has(op)), [], 'op-table entries without fixtures');
});

for (const c of ops) {
  test(c.name, () => {
    tidy(() => {
      const inputs = makeInputs(c);
      const outs = runOp(c, inputs);
      assert.equal(outs.length, c.outputs.length, `${c.name}: ${outs.length} outputs, expected ${c.outputs.length}`);
      outs.forEach((o, k) => {
        const exact = !c.outputs[k]!.dtype.startsWith('float');
        assertClose(o, c.outputs[k]!, exact ? { atol: 0, rtol: 0, what: `output ${k}` } : { ...TOL, what: `output ${k}` });
      });
      const loss = weightedLoss(c, outs);
      if (loss) loss.backward();
      c.inputs.forEach((e, j) => {
        const want = c.grads[j];
        if (!e.grad || !want) return;
        const g: Tensor | null = inputs.byName[e.name]!.grad;
        if (g === null) assertClose(new Array<number>(want.data.length).fill(0), want.data, { ...TOL, what: `grad of ${e.name} (none)` });
        else assertClose(g, want, { ...TOL, what: `grad of ${e.name}` });
      });
    });
  });
}
