import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { narrow, tensor, tidy } from '../../src/tensor/index.js';
import { TASKS, distillLoss, meanIoU, neighbourAgreement, resolveHeads, headsLoss, type Head, type LossName } from '../../src/task/index.js';
import { distillationLoss } from '../../src/distill/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { inferShapes } from '../../src/exec/index.js';
import { ConfigError } from '../../src/errors.js';
import { repoRoot } from '../cli/run-cli.js';
import { assertClose } from '../helpers/assert-close.js';

type Case = { loss: LossName; shape: number[]; student: number[]; teacher: number[]; value: number; grad: number[] };
const fx = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'task-losses.json'), 'utf8')) as {
  temperature: number; cases: Case[]; segmentCe: { student: number[]; labels: number[]; value: number; grad: number[] };
};

for (const c of fx.cases) {
  test(`distillation loss ${c.loss} on [${c.shape.join(', ')}] matches PyTorch, value and gradient`, () => {
    tidy(() => {
      const s = tensor(Float64Array.from(c.student), c.shape);
      s.requiresGrad = true;
      const loss = distillLoss(c.loss, s, tensor(Float64Array.from(c.teacher), c.shape), { temperature: fx.temperature, weight: 1 });
      assertClose(loss.item(), c.value, { atol: 1e-10, rtol: 1e-9, what: 'loss' });
      loss.backward();
      assertClose(s.grad!, c.grad, { atol: 1e-10, rtol: 1e-9, what: 'gradient' });
    });
  });
}

test('segment: per-pixel cross-entropy against a mask leaves out pixels labelled 255, as PyTorch ignore_index', () => {
  tidy(() => {
    const c = fx.segmentCe;
    const s = tensor(Float64Array.from(c.student), [2, 3, 2, 2]);
    s.requiresGrad = true;
    const loss = TASKS.segment.labelLoss(s, tensor(BigInt64Array.from(c.labels.map(BigInt)), [2, 2, 2], 'int64'));
    assertClose(loss.item(), c.value, { atol: 1e-10, rtol: 1e-9, what: 'loss' });
    loss.backward();
    assertClose(s.grad!, c.grad, { atol: 1e-10, rtol: 1e-9, what: 'gradient' });
  });
});

const head = (task: Head['task'], shape: (number | string)[], labelled: boolean, loss: LossName = TASKS[task].defaultLoss(null)): Head => ({ output: 'y', value: 'y', activation: null, shape, task, loss, labelled });

test('one labelled classifier head with kl is Hinton\'s loss, bit for bit; without labels it is the soft term alone', () => {
  tidy(() => {
    const s = tensor([1, -2, 0.5, 3, 0, -1], [2, 3]);
    const t = tensor([0.3, 1, -1, 2, 2, 0], [2, 3]);
    const y = tensor(BigInt64Array.from([2n, 0n]), [2], 'int64');
    const o = { distill: true, temperature: 3, alpha: 0.7 };
    assert.equal(headsLoss([head('classify', ['N', 3], true)], [s], [t], y, o).item(), distillationLoss(s, t, y, { temperature: 3, alpha: 0.7 }).item());
    assert.equal(headsLoss([head('classify', ['N', 3], false)], [s], [t], y, o).item(), distillationLoss(s, t, y, { temperature: 3, alpha: 1 }).item());
  });
});

test('metrics: agreement and accuracy, mIoU, nearest-neighbour agreement, R² and relative MSE by hand', () => {
  tidy(() => {
    const c = TASKS.classify.meter(head('classify', ['N', 2], true));
    const cp = c.part(tensor([1, 0, 0, 1, 1, 0], [3, 2]), tensor([2, 0, 0, 3, 0, 1], [3, 2]), tensor(BigInt64Array.from([0n, 0n, 0n]), [3], 'int64'));
    assert.deepEqual(c.result([cp]), { fidelity: { agreement: 2 / 3 }, task: { accuracy: 2 / 3 } });
    assert.deepEqual(c.result([cp, cp]), c.result([cp]), 'parts of batches add up');
    // two classes: class 0 IoU 1/2 (1 shared of 2), class 1 IoU 2/3 (2 shared of 3)
    assert.equal(meanIoU([1, 1, 0, 2], 2), (1 / 2 + 2 / 3) / 2);
    const seg = TASKS.segment.meter(head('segment', ['N', 2, 1, 4], true));
    const map = (cls: number[]): number[] => [...cls.map((k) => (k === 0 ? 1 : 0)), ...cls.map((k) => (k === 1 ? 1 : 0))];
    const m = seg.result([seg.part(tensor(map([0, 1, 1, 1]), [1, 2, 1, 4]), tensor(map([0, 0, 1, 1]), [1, 2, 1, 4]), tensor(BigInt64Array.from([0n, 1n, 255n, 0n]), [1, 1, 4], 'int64'))]);
    assert.equal(m.fidelity['mIoU'], (1 / 2 + 2 / 3) / 2);
    assert.equal(m.fidelity['pixelAgreement'], 3 / 4);
    // against the mask (pixel 3 ignored): class 0 IoU 1/2, class 1 IoU 1/2
    assert.equal(m.task!['mIoU'], 1 / 2);
    const r = TASKS.regress.meter(head('regress', ['N', 1], false));
    // Σ(s−t)² = 1, Σ(t − 2)² = 2, Σt² = 14: in one batch, and in two (the mean of t over the whole split)
    assert.deepEqual(r.result([r.part(tensor([1, 2, 4], [3, 1]), tensor([1, 2, 3], [3, 1]), null)]), { fidelity: { r2: 1 - 1 / 2, relativeMse: 1 / 14 } });
    assert.deepEqual(r.result([r.part(tensor([1, 2], [2, 1]), tensor([1, 2], [2, 1]), null), r.part(tensor([4], [1, 1]), tensor([3], [1, 1]), null)]), { fidelity: { r2: 1 - 1 / 2, relativeMse: 1 / 14 } });
    // rows 0 and 1 are each other's neighbours in both; row 2's neighbour is row 1 in a, row 0 in b
    const a = tensor([1, 0, 0.9, 0.1, 0, 1], [3, 2]);
    const b = tensor([1, 0, 0.9, 0.1, 0.5, 0.1], [3, 2]);
    assert.deepEqual(neighbourAgreement(a, b), [2, 3]);
    const e = TASKS.embed.meter(head('embed', ['N', 2], false));
    assert.deepEqual(e.result([e.part(a, a, null)]).fidelity, { cosine: 1, neighbourAgreement: 1 });
    // neighbours are found among the vectors of every batch: rows 0-1 in one batch, row 2 in the next
    const rows = (t: typeof a, from: number, n: number): typeof a => narrow(t, 0, from, n);
    const two = e.result([e.part(rows(a, 0, 2), rows(b, 0, 2), null), e.part(rows(a, 2, 1), rows(b, 2, 1), null)]).fidelity;
    assert.equal(two['neighbourAgreement'], 2 / 3);
  });
});

test('auto picks classify for a linear layer\'s logits, embed for pooled features, segment for maps; bad --task and --loss are refused', () => {
  const g = buildZooGraph('vgg-small', { input: [1, 12, 12], classes: 10 });
  try {
    const shapes = inferShapes(g, { [g.inputs[0]!.name]: [1, 1, 12, 12] });
    const o = { task: ['auto'], loss: [], labels: 'class' as const, classes: 10, what: 'teacher' };
    const [h] = resolveHeads(g, shapes, o);
    assert.deepEqual([h!.task, h!.loss, h!.labelled], ['classify', 'kl', true]);
    assert.deepEqual(resolveHeads(g, shapes, { ...o, labels: null }).map((x) => x.labelled), [false]);
    assert.deepEqual(resolveHeads(g, shapes, { ...o, task: ['output=regress'], loss: ['output=mse'] }).map((x) => [x.task, x.loss, x.labelled]), [['regress', 'mse', false]]);
    assert.throws(() => resolveHeads(g, shapes, { ...o, loss: ['logits=kl'] }), (e: unknown) => e instanceof ConfigError && /names output 'logits', which the teacher lacks \(its outputs: output\)/.test(e.message));
    assert.throws(() => resolveHeads(g, shapes, { ...o, loss: ['output=l1'] }), /'l1' is not one of kl, cwd, mse, cosine, bce/);
    assert.throws(() => resolveHeads(g, shapes, { ...o, task: ['segment'] }), /segment needs an output \[N, K, H, W\]/);
    assert.throws(() => resolveHeads(g, shapes, { ...o, classes: 7 }), /predicts 10 classes \(output \[N, 10\]\) but the dataset has 7/);
  } finally {
    g.dispose();
  }
});
