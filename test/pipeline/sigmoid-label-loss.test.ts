// A labelled regressor ending in a Sigmoid: compress trains its label term with bce of the logits against targets in
// [0, 1], the label loss train-teacher trains it with (normalised MSE when the targets leave [0, 1]).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tidy, tensor } from '../../src/tensor/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { openDataset } from '../../src/data/index.js';
import { headsFor } from '../../src/pipeline/heads.js';
import { headsLoss } from '../../src/task/index.js';
import { runCli } from '../cli/run-cli.js';
import { npyBytes } from '../data/fixtures.js';
import { sigmoidModel } from './sigmoid-model.js';


/** 120 float rows [2, 32] with targets [5]: 0/1 with `unit`, else spread over [-2, 4]. */
function targetSet(unit: boolean): string {
  const n = 120;
  const x = Float32Array.from({ length: n * 64 }, (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13);
  const y = Float32Array.from({ length: n * 5 }, (_, i) => {
    const v = x[Math.floor(i / 5) * 64 + (i % 5)]!;
    return unit ? (v > 0.5 ? 1 : 0) : v * 2;
  });
  const dir = mkdtempSync(join(tmpdir(), 'whittle-npy-'));
  writeFileSync(join(dir, 'x.npy'), npyBytes('<f4', [n, 2, 32], x));
  writeFileSync(join(dir, 'y.npy'), npyBytes('<f4', [n, 5], y));
  return `npy:${dir}`;
}

// binary cross-entropy of logit s against target y, and the mean over the values
const bce = (s: number, y: number): number => Math.max(s, 0) - s * y + Math.log1p(Math.exp(-Math.abs(s)));
const meanOf = (f: (i: number) => number, n: number): number => Array.from({ length: n }, (_, i) => f(i)).reduce((a, b) => a + b, 0) / n;

test("compress's label term for a Sigmoid regressor: bce of the logits against targets in [0, 1], as train-teacher's; normalised MSE outside [0, 1]", async () => {
  const model = loadOnnx(await sigmoidModel());
  try {
    const settings = { task: ['auto'], loss: [], distill: true };
    const [head] = headsFor(model, await openDataset(targetSet(true), { valSize: 20 }), settings);
    assert.deepEqual([head!.task, head!.loss, head!.activation, head!.labelled, head!.labelLoss], ['regress', 'bce', 'sigmoid', true, 'bce']);
    const [wide] = headsFor(model, await openDataset(targetSet(false), { valSize: 20 }), settings);
    assert.equal(wide!.labelLoss, 'mse', 'targets outside [0, 1] keep the normalised MSE');

    // a batch of 2 rows: the student's and the teacher's logits, and 0/1 targets
    const s = [0.5, -1, 2, 0, 3, -2, 1.5, 0.25, -0.75, 1];
    const t = [1, -0.5, 1.5, 0.5, 2, -1, 1, 0, -1, 0.5];
    const y = [1, 0, 1, 1, 0, 0, 1, 0, 0, 1];
    const sig = (v: number): number => 1 / (1 + Math.exp(-v));
    const labelTerm = meanOf((i) => bce(s[i]!, y[i]!), 10);
    const distillTerm = meanOf((i) => bce(s[i]!, sig(t[i]!)), 10);
    const ys = y.map((v) => v * 3 - 1);
    const mean = ys.reduce((a, b) => a + b, 0) / 10;
    const mseTerm = meanOf((i) => (s[i]! - ys[i]!) ** 2, 10) / (meanOf((i) => (ys[i]! - mean) ** 2, 10) + 1e-8);
    const [alone, mixed, wideAlone] = tidy(() => {
      const v = (a: number[]): ReturnType<typeof tensor> => tensor(Float32Array.from(a), [2, 5], 'float32');
      return [
        headsLoss([head!], [v(s)], null, v(y), { distill: false, temperature: 1, alpha: 0.5 }).item(),
        headsLoss([head!], [v(s)], [v(t)], v(y), { distill: true, temperature: 2, alpha: 0.3 }).item(),
        headsLoss([wide!], [v(s)], null, v(ys), { distill: false, temperature: 1, alpha: 0.5 }).item(),
      ];
    });
    assert.ok(Math.abs(alone! - labelTerm) < 1e-6, `the label term alone (--no-distill): ${alone} vs ${labelTerm}`);
    assert.ok(Math.abs(mixed! - (0.3 * distillTerm + 0.7 * labelTerm)) < 1e-6, `alpha · bce to the teacher + (1 − alpha) · bce to the targets: ${mixed}`);
    assert.ok(Math.abs(wideAlone! - mseTerm) < 1e-5, `normalised MSE of the logits: ${wideAlone} vs ${mseTerm}`);
  } finally {
    model.dispose();
  }
});

test('compress on a Sigmoid regressor says and records bce for its labels; train-teacher --loss bce refuses targets outside [0, 1]', async () => {
  const sig = await sigmoidModel();
  const out = join(mkdtempSync(join(tmpdir(), 'whittle-sigrun-')), 'run');
  const r = runCli(['compress', '--teacher', sig, '--data', targetSet(true), '--ratios', '0.51', '--epochs-per-step', '1', '--val-size', '20', '--batch-size', '40', '--threads', '1', '--precision', 'fp32', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /task: output 'prob' \[N, 5\]: regress, loss bce \(through its sigmoid\), with labels \(bce\)/);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { tasks: { labelLoss?: string }[] };
  assert.equal(report.tasks[0]!.labelLoss, 'bce');

  const file = join(mkdtempSync(join(tmpdir(), 'whittle-sigtt-')), 'never.onnx');
  const refused = runCli(['train-teacher', '--model', sig, '--data', targetSet(false), '--loss', 'bce', '--epochs', '1', '-o', file]);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /^whittle: error\[E_CONFIG\]: --loss: bce trains output 'prob' on targets in \[0, 1\], and the targets run from -?[\d.]+ to [\d.]+\n/);
  assert.equal(refused.stderr.trim().split('\n').filter((l) => !l.startsWith('  hint:')).length, 1, refused.stderr);
  assert.equal(existsSync(file), false);
});
