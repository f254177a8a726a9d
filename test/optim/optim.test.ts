// src/optim against torch.optim (test/fixtures/ops.json, section "optim"): SGD (momentum, dampening, Nesterov,
// weight decay) and AdamW trajectories with the lr changed between steps, the LR schedules against
// torch.optim.lr_scheduler, and clipGradNorm against torch.nn.utils.clip_grad_norm_.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Tensor, add, mul, pow, sum, tidy } from '../../src/tensor/index.js';
import { AdamW, type AdamWOptions, type Optimizer, Sgd, type SgdOptions, clipGradNorm, cosineSchedule, stepSchedule } from '../../src/optim/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { type Encoded, fromEncoded, loadFixture } from '../helpers/fixtures.js';

type Run = { kind: 'sgd' | 'adamw'; name: string; options: Record<string, unknown>; steps: Record<'p' | 'q' | 'u', number[]>[] };
type OptimFixture = {
  sgdAdamw: { start: Record<'p' | 'q' | 'u', Encoded>; coef: Record<'a' | 'b' | 'c', Encoded>; lrs: number[]; runs: Run[] };
  schedules: { kind: 'cosine' | 'step'; options: Record<string, number>; lrs: number[] }[];
  clip: { maxNorm: number; grads: Encoded[]; total: number; after: number[][] }[];
};

const { optim } = loadFixture<{ optim: OptimFixture }>('ops.json');
const { start, coef, lrs, runs } = optim.sgdAdamw;

for (const run of runs) {
  test(`${run.kind} ${run.name}: ${lrs.length} steps match torch.optim`, () => {
    const ps = { p: fromEncoded(start.p), q: fromEncoded(start.q), u: fromEncoded(start.u) };
    const c = { a: fromEncoded(coef.a), b: fromEncoded(coef.b), c: fromEncoded(coef.c) };
    for (const t of Object.values(ps)) t.requiresGrad = true;
    const params = [ps.p, ps.q, ps.u];
    const opt: Optimizer = run.kind === 'sgd' ? new Sgd(params, run.options as SgdOptions) : new AdamW(params, run.options as AdamWOptions);
    try {
      run.steps.forEach((want, s) => {
        opt.lr = lrs[s]!;
        opt.zeroGrad();
        tidy(() => {
          // sum(a p^2 + b p) + sum(c q^2); u takes no part, so it has no grad and must not move
          const loss = add(sum(add(mul(c.a, pow(ps.p, 2)), mul(c.b, ps.p))), sum(mul(c.c, pow(ps.q, 2))));
          loss.backward();
        });
        opt.step();
        for (const k of ['p', 'q', 'u'] as const) assertClose(ps[k], want[k], { atol: 1e-6, rtol: 1e-5, what: `${k} after step ${s + 1}` });
      });
    } finally {
      opt.dispose();
      for (const t of [...params, ...Object.values(c)]) t.dispose();
    }
  });
}

test('Sgd refuses Nesterov without momentum', () => {
  assert.throws(() => new Sgd([], { lr: 0.1, nesterov: true }), /Sgd: Nesterov momentum requires a momentum and zero dampening/);
});

for (const sch of optim.schedules) {
  test(`${sch.kind}Schedule ${JSON.stringify(sch.options)} matches torch.optim.lr_scheduler`, () => {
    const o = sch.options;
    const f = sch.kind === 'cosine'
      ? cosineSchedule({ lr: o['lr']!, total: o['total']!, warmup: o['warmup'] ?? 0, minLr: o['minLr'] ?? 0 })
      : stepSchedule({ lr: o['lr']!, stepSize: o['stepSize']!, gamma: o['gamma'] ?? 0.1, warmup: o['warmup'] ?? 0 });
    assertClose(sch.lrs.map((_, s) => f(s)), sch.lrs, { atol: 1e-12, rtol: 1e-9, what: 'lr by step' });
  });
}

for (const cl of optim.clip) {
  test(`clipGradNorm(maxNorm ${cl.maxNorm}) matches clip_grad_norm_`, () => {
    const params = [...cl.grads.map((g) => fromEncoded({ ...g, data: g.data.map(() => 0) })), fromEncoded({ shape: [2], dtype: 'float32', data: [0, 0] })];
    try {
      cl.grads.forEach((g, i) => {
        const t = fromEncoded(g);
        params[i]!.grad = t;
        t.dispose();
      });
      const total = clipGradNorm(params, cl.maxNorm);
      assertClose(total, cl.total, { atol: 0, rtol: 1e-6, what: 'total norm' });
      cl.after.forEach((want, i) => {
        const g = params[i]!.grad as Tensor;
        assertClose(g, want, { atol: 1e-7, rtol: 1e-5, what: `grad ${i} after clipping` });
        g.dispose();
      });
      assert.equal(params[3]!.grad, null, 'a parameter without grad keeps none');
    } finally {
      for (const p of params) p.dispose();
    }
  });
}
