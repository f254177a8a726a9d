import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, tidy } from '../../src/tensor/index.js';
import { distillationLoss } from '../../src/distill/index.js';
import { repoRoot } from '../cli/run-cli.js';
import { assertClose } from '../helpers/assert-close.js';

type Case = { temperature: number; alpha: number; student: number[]; teacher: number[]; labels: number[]; shape: [number, number]; loss: number; grad: number[] };
const { cases } = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'distill.json'), 'utf8')) as { cases: Case[] };

for (const c of cases) {
  test(`distillation loss at T=${c.temperature}, alpha=${c.alpha} matches PyTorch, value and gradient`, () => {
    tidy(() => {
      const s = tensor(Float64Array.from(c.student), c.shape);
      s.requiresGrad = true;
      const t = tensor(Float64Array.from(c.teacher), c.shape);
      const y = tensor(c.labels, [c.labels.length], 'int64');
      const loss = distillationLoss(s, t, y, { temperature: c.temperature, alpha: c.alpha });
      assertClose(loss.item(), c.loss, { atol: 1e-10, rtol: 1e-9, what: 'loss' });
      loss.backward();
      assertClose(s.grad!, c.grad, { atol: 1e-10, rtol: 1e-9, what: 'gradient' });
    });
  });
}
