import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompressEvent } from '../../src/pipeline/compress.js';
import type { CompressReport } from '../../src/pipeline/report.js';
// through the API, as the CLI calls it (it once filled --alpha's default in and so refused every --labels ignore)
import { compress, evaluate } from '../../src/api/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { describe } from '../../src/cli/progress.js';
import { ConfigError } from '../../src/errors.js';
import { runCli } from '../cli/run-cli.js';
import { newRun, smallIdxData, vggTeacherFile } from './fixtures.js';

const DATA = smallIdxData();
const quick = { valSize: 100, batchSize: 100, ratios: [0.5], epochsPerStep: 2, threads: 2, precision: 'fp32' } as const;

/** The same IDX images with every label moved to the next class: the same splits, other labels. */
function otherLabels(data: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-other-labels-'));
  cpSync(data.slice('idx:'.length), dir, { recursive: true });
  for (const name of ['train-labels-idx1-ubyte', 't10k-labels-idx1-ubyte']) {
    const b = readFileSync(join(dir, name));
    for (let i = 8; i < b.length; i++) b[i] = (b[i]! + 1) % 10;
    writeFileSync(join(dir, name), b);
  }
  return `idx:${dir}`;
}

test('--labels ignore: a labelled classifier trains and picks epochs as without labels (other labels change nothing), and the labels still score it', async () => {
  const teacher = await vggTeacherFile();
  const events: CompressEvent[] = [];
  const runs = [DATA, otherLabels(DATA)].map((data) => ({ data, out: newRun() }));
  const ignored: CompressReport[] = [];
  for (const [i, r] of runs.entries()) ignored.push(await compress({ ...quick, teacher, data: r.data, out: r.out, labels: 'ignore', ...(i === 0 ? { onEvent: (e: CompressEvent) => events.push(e) } : {}) }));
  const [a, b] = ignored as [CompressReport, CompressReport];
  // the labels enter neither the loss nor the choice of the epoch: the same losses, fidelity and picks
  assert.deepEqual(a.steps[0]!.epochs, b.steps[0]!.epochs);
  assert.deepEqual(a.final.fidelity, b.final.fidelity);
  assert.equal(a.score, "agreement (output 'output', against the teacher)");
  assert.equal(a.final.testAccuracy, a.final.fidelity!['output']!['agreement'], 'the test figure is the selection score, as without labels');
  assert.equal(a.teacher.testAccuracy, 1, "the teacher's agreement with itself");
  assert.deepEqual(a.tasks, [{ output: 'output', task: 'classify', loss: 'kl', labelled: false, scored: true, shape: ['N', '10'] }]);
  assert.equal(a.config.labels, 'ignore');
  // ...and score the teacher and the student: their accuracies on each run's own labels, as `whittle eval` measures them
  for (const [i, r] of runs.entries()) {
    const report = ignored[i]!;
    for (const [model, metrics] of [[teacher, report.teacher.metrics], [join(r.out, 'student.onnx'), report.final.metrics]] as const) {
      const g = loadOnnx(model);
      const e = await evaluate(g, r.data, { valSize: 100, latency: false, precision: 'fp32', threads: 2 });
      g.dispose();
      assert.equal(metrics!['output']!['accuracy'], e.accuracy, `${model} on ${r.data}`);
    }
  }
  assert.deepEqual(a.steps[0]!.metrics, a.final.metrics);
  const start = describe(events.find((e) => e.type === 'tasks')!)!;
  assert.match(start, /^labels: ignored for training and the best epoch \(distillation alone, epochs by fidelity\); they score output 'output' of the teacher and every step on the test split \(report\.json's metrics\)\ntask: output 'output' \[N, 10\]: classify, loss kl, distillation alone, scored by the labels\nbest epoch by: agreement \(output 'output', against the teacher\)/);
  // with the labels used, they change the loss
  const used = await compress({ ...quick, teacher, data: DATA, out: newRun() });
  assert.notDeepEqual(used.steps[0]!.epochs.map((e) => e.trainLoss), a.steps[0]!.epochs.map((e) => e.trainLoss));
  assert.equal(used.score, 'accuracy');
  const html = readFileSync(join(runs[0]!.out, 'report.html'), 'utf8');
  assert.match(html, /output \[N, 10\]: classify, loss kl, distillation alone, scored by the labels; best epochs by agreement/);
});

test('--labels ignore with --no-distill, --alpha, --quantize int8 or feature hints: one line, exit 2, no run folder', async () => {
  const teacher = await vggTeacherFile();
  const cases: [string[], RegExp][] = [
    [['--no-distill'], /^whittle: error\[E_CONFIG\]: --labels: 'ignore' trains by distillation alone, and --no-distill trains on the labels alone\n/],
    [['--alpha', '0.3'], /^whittle: error\[E_CONFIG\]: --labels: 'ignore' trains by distillation alone, and --alpha weighs the labels' loss against it\n/],
    [['--labels', 'none'], /^whittle: error\[E_CONFIG\]: --labels: expected one of use, ignore, got 'none'\n/],
  ];
  for (const [args, want] of cases) {
    const out = newRun();
    const r = runCli(['compress', '--teacher', teacher, '--data', DATA, '--ratios', '0.5', '--labels', 'ignore', ...args, '-o', out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, want);
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('  hint:')).length, 1, r.stderr);
    assert.equal(existsSync(out), false);
  }
  const ok = runCli(['compress', '--teacher', teacher, '--data', DATA, '--val-size', '100', '--ratios', '0.5', '--epochs-per-step', '0', '--labels', 'ignore', '-o', newRun()]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /labels: ignored for training and the best epoch/);
  // the last line names the score (fidelity here), not accuracy
  assert.match(ok.stdout, /, test agreement \(output 'output', against the teacher\) \d+\.\d\d% \(teacher 100\.00%\)\n$/);
  // feature hints train on the labels: not with them ignored, yet (the quantization-aware epochs do: qat-tasks.test.ts)
  for (const [more, want] of [[{ featureDistill: 'auto' }, /feature distillation/]] as const) {
    const out = newRun();
    await assert.rejects(compress({ ...quick, teacher, data: DATA, out, labels: 'ignore', ...more }), (e: unknown) => e instanceof ConfigError && e.path === 'labels' && want.test(e.message));
    assert.equal(existsSync(out), false);
  }
});
