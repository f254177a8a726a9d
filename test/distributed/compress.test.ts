import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuHasBf16, distributedBackends, manualSeed } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { saveOnnx } from '../../src/onnx/index.js';
import { freePort } from '../../src/distributed/index.js';
import { readCheckpoint } from '../../src/pipeline/checkpoint.js';
import { repoRoot, runCli } from '../cli/run-cli.js';

const skip = distributedBackends().includes('gloo') ? false : 'the addon was built without c10d/Gloo';
const dir = mkdtempSync(join(tmpdir(), 'whittle-dist-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

// A model without BatchNorm (the zoo's mlp), so that 1 and 2 processes must agree to rounding: with BN each rank
// normalises by its own shard's statistics. 3000 rows in global batches of 75 (37/38 rows per rank), teacher cache on,
// in fp32 (bf16 rounds a shard's matmul differently from the whole batch's: its own test below).
async function teacher(): Promise<string> {
  const path = join(dir, 'teacher.onnx');
  if (!existsSync(path)) {
    manualSeed(0);
    const g = buildZooGraph('mlp', { input: [1, 28, 28], classes: 10 });
    await saveOnnx(g, path);
    g.dispose();
  }
  return path;
}
const run = async (out: string, epochs = 3): Promise<string[]> => [
  'compress', '--teacher', await teacher(), '--data', 'mnist', '--train-subset', '3000', '--val-size', '300', '--ratios', '0.5',
  '--epochs-per-step', String(epochs), '--batch-size', '75', '--lr', '0.05', '--threads', '1', '--augment', 'off', '--json', '-o', join(dir, out),
  '--precision', 'fp32',
];
type Report = { steps: { epochs: { trainLoss: number; valAccuracy: number }[]; testAccuracy: number }[]; config: { worldSize?: number }; precision?: string };
const report = (out: string): Report => JSON.parse(readFileSync(join(dir, out, 'report.json'), 'utf8')) as Report;

/**
 * Every step's per-epoch training loss within 1e-4 relative and the same validation accuracies (issue 37); test
 * accuracies within 3 of 10,000 images (rounding-level weight differences flip the odd borderline image).
 */
function assertSameRun(a: Report, b: Report, what: string): void {
  assert.equal(a.steps.length, b.steps.length);
  for (const [k, step] of a.steps.entries()) {
    const [ea, eb] = [step.epochs, b.steps[k]!.epochs];
    assert.equal(ea.length, eb.length);
    for (const [i, e] of ea.entries()) {
      assert.ok(Math.abs(e.trainLoss - eb[i]!.trainLoss) <= 1e-4 * Math.abs(e.trainLoss), `${what}: step ${k + 1} epoch ${i + 1} train loss ${e.trainLoss} vs ${eb[i]!.trainLoss}`);
      assert.equal(eb[i]!.valAccuracy, e.valAccuracy, `${what}: step ${k + 1} epoch ${i + 1} val accuracy`);
    }
    assert.ok(Math.abs(b.steps[k]!.testAccuracy - step.testAccuracy) <= 3e-4 + 1e-12, `${what}: step ${k + 1} test accuracy ${step.testAccuracy} vs ${b.steps[k]!.testAccuracy}`);
  }
}

/** bf16: per-epoch training loss within `bound` relative, validation accuracy within 1%. */
function assertCloseRun(a: Report, b: Report, what: string, bound: number): void {
  for (const [k, step] of a.steps.entries()) {
    for (const [i, e] of step.epochs.entries()) {
      const o = b.steps[k]!.epochs[i]!;
      assert.ok(Math.abs(e.trainLoss - o.trainLoss) <= bound * Math.abs(e.trainLoss), `${what}: step ${k + 1} epoch ${i + 1} train loss ${e.trainLoss} vs ${o.trainLoss}`);
      assert.ok(Math.abs(e.valAccuracy - o.valAccuracy) <= 0.01, `${what}: step ${k + 1} epoch ${i + 1} val accuracy ${e.valAccuracy} vs ${o.valAccuracy}`);
    }
  }
}

test('compress --nproc 2 gives the per-epoch training loss and accuracies of one process, and only rank 0 writes', { skip }, async () => {
  const one = runCli(await run('one'));
  assert.equal(one.status, 0, one.stderr);
  const two = runCli([...await run('two'), '--nproc', '2']);
  assert.equal(two.status, 0, two.stderr);
  assert.equal(two.stdout.trim().split('\n').filter((l) => l.includes('"event":"teacher"')).length, 1, 'one rank speaks');
  assertSameRun(report('one'), report('two'), '1 vs 2 processes');
  assert.equal(report('two').config.worldSize, 2);
  assert.deepEqual(readdirSync(join(dir, 'two')).sort(), readdirSync(join(dir, 'one')).sort());
});

// Issue 37: lenet5 has no BatchNorm, but compress re-inserts it after the bare convs, and each rank normalised by
// its shard's statistics (epoch-1 loss 0.52349 with 1 process, 0.53234 with 2; these tests failed so). Two pruning
// steps; 1500 rows less 300 for validation in global batches of 77 end in a 45-row batch, cut 22 + 23. With
// distillation from the teacher cache, from a teacher run per batch (--teacher-mode previous: no cache), and without.
// The teacher is trained (2 epochs): near chance, nearly tied logits flip on the last bit of a weight.
async function lenetTeacher(): Promise<string> {
  const path = join(dir, 'lenet5.onnx');
  if (!existsSync(path)) {
    const r = runCli(['train-teacher', '--arch', 'lenet5', '--data', 'mnist', '--epochs', '2', '--train-subset', '1500', '--val-size', '300', '--seed', '4', '--threads', '1', '-o', path]);
    assert.equal(r.status, 0, r.stderr);
  }
  return path;
}
for (const [what, flags] of [['distillation, teacher cache', []], ['distillation, no cache', ['--teacher-mode', 'previous']], ['no distillation', ['--no-distill']]] as const) {
  test(`lenet5 (BatchNorm re-inserted), two steps: --nproc 2 gives the numbers of one process (${what})`, { skip }, async () => {
    const name = what.replace(/[^a-z]+/g, '-');
    const teacherPath = await lenetTeacher();
    const args = (out: string): string[] => [
      'compress', '--teacher', teacherPath, '--data', 'mnist', '--train-subset', '1500', '--val-size', '300', '--ratios', '0.7,0.5', '--epochs-per-step', '1',
      '--batch-size', '77', '--lr', '0.05', '--threads', '1', '--seed', '4', '--precision', 'fp32', ...flags, '--json', '-o', join(dir, out),
    ];
    const one = runCli(args(`${name}1`));
    assert.equal(one.status, 0, one.stderr);
    const two = runCli([...args(`${name}2`), '--nproc', '2']);
    assert.equal(two.status, 0, two.stderr);
    const [a, b] = [report(`${name}1`), report(`${name}2`)];
    assert.ok(a.steps.every((st) => (st as { batchNormInserted?: number }).batchNormInserted === 2), 'whittle re-inserted BatchNorm after both convs');
    assertSameRun(a, b, `1 vs 2 processes, ${what}`);
  });
}

// bf16 keeps 8 significant bits: a shard's logits round differently from the whole batch's, so the losses agree to
// 2e-3 (measured 1.2e-4 apart here), not fp32's 1e-4.
test('compress --nproc 2 --precision bf16 trains in bf16 on every rank, to the numbers of one process in bf16', { skip: skip || (cpuHasBf16() ? false : 'the CPU has neither AVX512-BF16 nor AMX') }, async () => {
  const bf16 = (args: string[]): string[] => args.map((a) => (a === 'fp32' ? 'bf16' : a));
  const one = runCli(bf16(await run('bf16-one')));
  assert.equal(one.status, 0, one.stderr);
  const two = runCli([...bf16(await run('bf16-two')), '--nproc', '2']);
  assert.equal(two.status, 0, two.stderr);
  assert.equal(report('bf16-two').precision, 'bf16');
  assert.equal(report('bf16-one').precision, 'bf16');
  assertCloseRun(report('bf16-one'), report('bf16-two'), '1 vs 2 processes in bf16', 2e-3);
  assert.ok(Math.abs(report('bf16-one').steps[0]!.epochs[0]!.trainLoss - report('one').steps[0]!.epochs[0]!.trainLoss) > 0, 'bf16 trained as fp32 did');
});

test('with --ema, compress --nproc 2 still gives the per-epoch numbers of one process', { skip }, async () => {
  const one = runCli([...await run('ema-one'), '--ema', '0.9']);
  assert.equal(one.status, 0, one.stderr);
  const two = runCli([...await run('ema-two'), '--ema', '0.9', '--nproc', '2']);
  assert.equal(two.status, 0, two.stderr);
  assertSameRun(report('ema-one'), report('ema-two'), '1 vs 2 processes with --ema');
  assert.equal((report('ema-two').config as { ema?: number }).ema, 0.9);
});

// The stopped runs are long enough (an epoch takes ~0.2 s) that a test starved on a loaded machine still sees the
// first checkpoint well before the run ends. They train with a soft cut (--fade-epochs 3 of 15): stopped at the
// first checkpoint seen (epoch 1 or 2), they resume in the middle of the fade, from the uncut student and its fade,
// and cut it at its end. Issue 37: these tests used hard cuts (--fade-epochs 0) because a 2-process run
// killed and resumed ended 2 validation images of 300 from the uninterrupted one-process run; the uninterrupted
// 2-process run ends there too, to the last digit (1 and 2 processes part by float rounding over 15 epochs: 1.6e-5
// of the loss by epoch 8, with hard cuts as well), so the reference a resumed run must equal exactly is the same
// run, with the same processes, never stopped.
const stoppedEpochs = 15;
// the uncut student fades over the first 3 epochs, so a poller starved on a loaded machine past one epoch (~0.2 s)
// still finds a checkpoint inside the fade (a CI run beside a training once saw only epoch 2's with a 1-epoch fade)
const stoppedFade = ['--fade-epochs', '3'];
let longReference: Report | undefined;
async function longTwo(): Promise<Report> {
  if (!longReference) {
    const two = runCli([...await run('long-two', stoppedEpochs), ...stoppedFade, '--nproc', '2']);
    assert.equal(two.status, 0, two.stderr);
    longReference = report('long-two');
  }
  return longReference;
}

/** Every metric of the two runs' reports equal to the last digit (the timings aside). */
function assertIdenticalRun(a: Report, b: Report, what: string): void {
  const metrics = (r: Report): unknown => r.steps.map(({ epochs, ...s }) => ({
    ...s, seconds: 0, imagesPerSec: 0, epochs: epochs.map((e) => ({ trainLoss: e.trainLoss, valAccuracy: e.valAccuracy })),
  }));
  assert.deepEqual(metrics(b), metrics(a), what);
}

/** Starts `compress --nproc 2` into `name` and resolves once its first checkpoint is on disk (epoch 1 or 2: a soft cut's fade, not cut yet). */
async function startLaunched(name: string): Promise<{ launcher: ChildProcess; exited: Promise<number | null>; stderr: () => string }> {
  const out = join(dir, name);
  const launcher = spawn(process.execPath, [join(repoRoot, 'bin', 'whittle.js'), ...await run(name, stoppedEpochs), ...stoppedFade, '--nproc', '2', '--dist-timeout', '300'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  launcher.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => launcher.on('exit', resolve));
  // the checkpoint names a step in progress only from its first epoch's end (files complete, replaced atomically)
  let current = null;
  while ((current = (await readCheckpoint(out))?.current ?? null) === null) await new Promise((r) => setTimeout(r, 20));
  assert.ok(current.fade && current.epochs.length < 3, `the first checkpoint seen holds the uncut student and its fade (epoch ${current.epochs.length})`);
  return { launcher, exited, stderr: () => stderr };
}

test('killing a worker stops the run with one clear error; --resume --nproc 2 finishes it as if never stopped', { skip }, async () => {
  const out = join(dir, 'killed');
  const { launcher, exited, stderr: err } = await startLaunched('killed');
  const workers = execFileSync('ps', ['-o', 'pid=', '--ppid', String(launcher.pid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  const rank1 = workers.find((pid) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes('RANK=1'))!;
  const t0 = Date.now();
  process.kill(rank1, 'SIGKILL');
  const code = await exited;
  const stderr = err();
  assert.equal(code, 1, stderr);
  assert.ok(Date.now() - t0 < 30_000, `the others stopped within the grace period, not after the 300 s timeout: ${stderr}`);
  assert.match(stderr, /whittle: error\[E_DIST\]: worker rank 1 was killed by SIGKILL; the run stopped on all 2 workers/);
  assert.ok(!existsSync(join(out, 'report.json')));
  const resumed = runCli(['compress', '--resume', out, '--nproc', '2', '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assertIdenticalRun(await longTwo(), report('killed'), 'killed and resumed vs never stopped');
});

test('Ctrl-C on the launcher stops every worker at a batch (E_ABORTED); --resume --nproc 2 finishes the run', { skip }, async () => {
  const out = join(dir, 'interrupted');
  const { launcher, exited, stderr } = await startLaunched('interrupted');
  launcher.kill('SIGINT');
  assert.equal(await exited, 130, stderr());
  assert.match(stderr(), /whittle: error\[E_ABORTED\]: stopped on request: all 2 workers stopped/);
  const resumed = runCli(['compress', '--resume', out, '--nproc', '2', '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assertIdenticalRun(await longTwo(), report('interrupted'), 'interrupted and resumed vs never stopped');
});

// A launcher SIGKILLed cannot pass it on: its workers, detached so that a Ctrl-C reaches them once, ran on and
// finished the run on their own, and a --resume started meanwhile failed on the checkpoint folders they replaced.
test('a launcher killed with SIGKILL takes its workers with it; --resume --nproc 2 finishes the run as if never stopped', { skip }, async () => {
  const out = join(dir, 'launcher-killed');
  const { launcher, exited } = await startLaunched('launcher-killed');
  const workers = execFileSync('ps', ['-o', 'pid=', '--ppid', String(launcher.pid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  assert.equal(workers.length, 2);
  launcher.kill('SIGKILL');
  await exited;
  const t0 = Date.now();
  while (workers.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
  assert.ok(workers.every((pid) => !existsSync(`/proc/${pid}`)), 'the workers stopped');
  assert.ok(!existsSync(join(out, 'report.json')), 'the workers stopped before the end of the run');
  const resumed = runCli(['compress', '--resume', out, '--nproc', '2', '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assertIdenticalRun(await longTwo(), report('launcher-killed'), 'launcher killed and resumed vs never stopped');
});

test('a wrong master address fails with one clear line: at once when it cannot resolve, after --dist-timeout when nobody answers', { skip }, async () => {
  const args = async (out: string): Promise<string[]> => [...(await run(out)).filter((a) => a !== '--json'), '--world-size', '2', '--rank', '1'];
  const unresolvable = runCli([...await args('bad1'), '--master', 'no-such-host.invalid:29500']);
  assert.equal(unresolvable.status, 2);
  assert.match(unresolvable.stderr, /error\[E_CONFIG\]: --master: cannot resolve the master host 'no-such-host.invalid'/);
  const t0 = Date.now();
  const silent = runCli([...await args('bad2'), '--master', `127.0.0.1:${await freePort()}`, '--dist-timeout', '3']);
  assert.equal(silent.status, 1);
  assert.match(silent.stderr, /error\[E_DIST\]: rendezvous: rank 1 of 2 could not join the group at 127.0.0.1:\d+ \(timeout 3 s\)/);
  assert.ok(Date.now() - t0 < 30_000);
});
