// oneCycleSchedule against torch.optim.lr_scheduler.OneCycleLR (test/fixtures/onecycle.json, made by
// scripts/gen-onecycle-fixtures.py): lr and momentum (SGD's, AdamW's beta1) at every step, and SGD and AdamW
// trajectories with both changed between steps as the trainer does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add, mul, pow, sum, tensor, tidy } from '../../src/tensor/index.js';
import { AdamW, type Optimizer, Sgd, oneCycleSchedule } from '../../src/optim/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { loadFixture } from '../helpers/fixtures.js';

type Flat = { shape: number[]; data: number[] };
type Fixture = {
  schedules: { lr: number; total: number; steps: { lr: number; momentum: number; adamLr: number; beta1: number }[] }[];
  trajectories: { kind: 'sgd' | 'adamw'; start: Record<'p' | 'q', Flat>; coef: Record<'a' | 'b' | 'c', Flat>; steps: Record<'p' | 'q', number[]>[] }[];
};
const fixture = loadFixture<Fixture>('onecycle.json');

for (const s of fixture.schedules) {
  test(`oneCycleSchedule (lr ${s.lr}, ${s.total} steps) gives OneCycleLR's lr and momentum at every step`, () => {
    const f = oneCycleSchedule({ lr: s.lr, total: s.total });
    assertClose(s.steps.map((_, i) => f.lr(i)), s.steps.map((r) => r.lr), { atol: 1e-12, rtol: 1e-9, what: 'lr' });
    assertClose(s.steps.map((_, i) => f.momentum(i)), s.steps.map((r) => r.momentum), { atol: 1e-12, rtol: 1e-9, what: 'momentum' });
    assert.deepEqual(s.steps.map((r) => r.beta1), s.steps.map((r) => r.momentum), "AdamW's beta1 cycles as SGD's momentum");
  });
}

for (const run of fixture.trajectories) {
  test(`${run.kind} under oneCycleSchedule follows torch.optim with OneCycleLR for ${run.steps.length} steps`, () => {
    const t = (f: Flat) => tensor(f.data, f.shape);
    const ps = { p: t(run.start.p), q: t(run.start.q) };
    const c = { a: t(run.coef.a), b: t(run.coef.b), c: t(run.coef.c) };
    for (const p of Object.values(ps)) p.requiresGrad = true;
    const params = [ps.p, ps.q];
    const opt: Optimizer = run.kind === 'sgd' ? new Sgd(params, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-2 }) : new AdamW(params, { lr: 0.1, weightDecay: 0.1 });
    const f = oneCycleSchedule({ lr: 0.1, total: run.steps.length });
    try {
      run.steps.forEach((want, step) => {
        opt.lr = f.lr(step);
        opt.momentum = f.momentum(step);
        opt.zeroGrad();
        tidy(() => add(sum(add(mul(c.a, pow(ps.p, 2)), mul(c.b, ps.p))), sum(mul(c.c, pow(ps.q, 2)))).backward());
        opt.step();
        for (const k of ['p', 'q'] as const) assertClose(ps[k], want[k], { atol: 1e-6, rtol: 1e-5, what: `${k} after step ${step + 1}` });
      });
    } finally {
      opt.dispose();
      for (const x of [...params, ...Object.values(c)]) x.dispose();
    }
  });
}
