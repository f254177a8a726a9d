// Finite-difference gradient checks in float64 for every differentiable op case of test/fixtures/ops.json: the
// backward pass of L = sum_k sum(out_k * w_k) against central differences (eps 1e-6) on the same inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, noGrad, tidy, tensor } from '../../src/tensor/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { type OpCase, loadFixture } from '../helpers/fixtures.js';
import { makeInputs, runOp, weightedLoss } from '../helpers/op-table.js';

const { ops } = loadFixture<{ ops: OpCase[] }>('ops.json');
const EPS = 1e-6;
const TOL = { atol: 1e-5, rtol: 1e-5 };

/** L evaluated with input `name` replaced by `data` (float64), without recording a graph. */
function lossWith(c: OpCase, name: string, data: Float64Array): number {
  return noGrad(() =>
    tidy(() => {
      const inputs = makeInputs(c, 'float64');
      const e = c.inputs.find((x) => x.name === name)!;
      const idx = c.inputs.indexOf(e);
      const replaced = tensor(data, e.shape, 'float64');
      inputs.list[idx] = replaced;
      inputs.byName[name] = replaced;
      const loss = weightedLoss(c, runOp(c, inputs));
      return loss === null ? 0 : loss.item();
    }),
  );
}

const checked = ops.filter((c) => c.gradcheck);

test('gradcheck covers the differentiable cases', () => {
  assert.ok(checked.length >= 120, `only ${checked.length} cases are gradchecked`);
});

for (const c of checked) {
  test(`gradcheck ${c.name}`, () => {
    const analytic = tidy(() => {
      const inputs = makeInputs(c, 'float64');
      const outs = runOp(c, inputs);
      outs.forEach((o, k) => {
        if (c.outputs[k]!.diff) assert.equal(o.dtype, 'float64', `output ${k} of a float64 run is ${o.dtype}`);
      });
      weightedLoss(c, outs)!.backward();
      const grads: Record<string, number[]> = {};
      for (const e of c.inputs) {
        if (!e.grad) continue;
        const g: Tensor | null = inputs.byName[e.name]!.grad;
        grads[e.name] = g === null ? new Array<number>(e.data.length).fill(0) : g.toArray();
      }
      return grads;
    });
    for (const e of c.inputs) {
      if (!e.grad) continue;
      const x = Float64Array.from(e.data);
      const numeric = Array.from(x, (v, j) => {
        x[j] = v + EPS;
        const plus = lossWith(c, e.name, x);
        x[j] = v - EPS;
        const minus = lossWith(c, e.name, x);
        x[j] = v;
        return (plus - minus) / (2 * EPS);
      });
      assertClose(analytic[e.name]!, numeric, { ...TOL, what: `d L / d ${e.name}` });
    }
  });
}
