// Checkpoints and --resume: a run stopped anywhere (SIGKILL, an AbortSignal) and resumed ends with the same metrics
// as an uninterrupted run with the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compress, type CompressEvent } from '../../src/pipeline/compress.js';
import type { CompressReport } from '../../src/pipeline/report.js';
import { AbortedError } from '../../src/distill/index.js';
import { repoRoot, runCli } from '../cli/run-cli.js';
import { newRun, smallIdxData, vggTeacherFile as teacherFile, zooTeacherFile } from './fixtures.js';

const DATA = smallIdxData();

// Two steps of two epochs, 4 batches an epoch; SGD with momentum so that optimizer state matters; each step is a
// soft cut over its first 6 updates, so a step resumed after epoch 1 must go on fading the same channels from update 5.
const FLAGS = ['--data', DATA, '--val-size', '100', '--batch-size', '100', '--ratios', '0.5,0.5', '--epochs-per-step', '2', '--threads', '2', '--fade-epochs', '1.5'];
const settings = { data: DATA, valSize: 100, batchSize: 100, ratios: [0.5, 0.5], epochsPerStep: 2, threads: 2 } as const;

/** Everything in report.json but the timings, which differ between any two runs. */
function metrics(r: CompressReport): unknown {
  return { teacher: r.teacher, final: r.final, steps: r.steps.map(({ seconds: _s, imagesPerSec: _i, ...rest }) => rest) };
}

const readReport = (dir: string): CompressReport => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as CompressReport;

/** Starts `whittle compress --json` and SIGKILLs it when `killAt` matches an event line; resolves once it is dead. */
function runAndKill(args: string[], killAt: (e: { event: string; epoch?: number; index?: number; step?: number }) => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'whittle.js'), 'compress', ...args, '--json'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] });
    let buf = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        const e = JSON.parse(line) as { event: string };
        if (!killed && killAt(e)) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', () => resolve(killed));
  });
}

test('a run SIGKILLed at several points and resumed each time reports the same metrics as an uninterrupted run', async () => {
  const teacher = await teacherFile();
  const whole = newRun();
  assert.equal(runCli(['compress', '--teacher', teacher, ...FLAGS, '-o', whole]).status, 0);
  const reference = metrics(readReport(whole));
  const run = newRun();
  const args = ['--teacher', teacher, ...FLAGS, '-o', run];
  // after the last batch of an epoch (before its checkpoint), right after an epoch end (a checkpoint being written),
  // after step 1 ends, and in step 2 (batch events are printed at most once a second, the last of an epoch always)
  const points: ((e: { event: string; epoch?: number; index?: number; step?: number }) => boolean)[] = [
    (e) => e.event === 'batch' && e.step === 1 && e.epoch === 2 && e.index === 3,
    (e) => e.event === 'epoch-end' && e.step === 1 && e.epoch === 2,
    (e) => e.event === 'step-start' && e.step === 2,
    (e) => e.event === 'batch' && e.step === 2 && e.epoch === 1 && e.index === 3,
  ];
  let killed = 0;
  for (const [k, at] of points.entries()) {
    // the first start is a fresh run, later ones resume whatever checkpoint the kill left
    if (await runAndKill(k === 0 ? args : ['--resume', run], at)) killed++;
    assert.ok(!readdirSync(run).includes('report.json'), `run ${k} should not have finished`);
  }
  assert.equal(killed, points.length, 'every run was killed at its point');
  const r = runCli(['compress', '--resume', run]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(metrics(readReport(run)), reference);
  assert.deepEqual(readdirSync(run).filter((f) => f.startsWith('checkpoint')), [], 'the checkpoint is removed once the run is complete');
  // resuming a complete run changes nothing and prints its result
  const again = runCli(['compress', '--resume', run, '--json']);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(metrics(again.lastJson() as unknown as CompressReport), reference);
});

type KillPoint = { step: number; epoch: number; index?: number; checkpointMs?: number };

/** A compress run in a child process that SIGKILLs itself at `at` (kill-child.ts); resolves whether it was killed. */
function runKilledAt(options: Record<string, unknown>, at: KillPoint | null): Promise<{ killed: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'test', 'pipeline', 'kill-child.js'), JSON.stringify(options), JSON.stringify(at)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (_code, signal) => resolve({ killed: signal === 'SIGKILL', stderr }));
  });
}

// Issue 37: whittle's BatchNorm after lenet5's bare convs was made with epsilon and momentum as float64, its saved
// file holds float32, so a step resumed from a checkpoint computed with other constants than the run that wrote it
// (1-ulp differences in the running statistics, then in the weights and sometimes the metrics). The kills land
// exactly at batch boundaries inside steps and in the middle of a checkpoint being written; the final student must
// be the same bytes, not just the same rounded metrics.
test('a run with re-inserted BatchNorm, SIGKILLed inside steps and while writing a checkpoint, resumes to the same bytes', async () => {
  const teacher = await zooTeacherFile('lenet5', 10, 28);
  const options = { teacher, data: 'mnist', trainSubset: 1000, valSize: 250, batchSize: 100, ratios: [0.6, 0.6], epochsPerStep: 2, seed: 5, threads: 1 };
  const whole = newRun();
  const w = await runKilledAt({ ...options, out: whole }, null);
  assert.ok(!w.killed, w.stderr);
  const reference = readReport(whole);
  assert.equal(reference.steps[0]!.batchNormInserted, 2, 'whittle re-inserted BatchNorm after both convs');
  const run = newRun();
  const points: KillPoint[] = [{ step: 1, epoch: 2, index: 3 }, { step: 2, epoch: 1, checkpointMs: 0 }, { step: 2, epoch: 2, index: 2 }];
  for (const [k, at] of points.entries()) {
    const r = await runKilledAt(k === 0 ? { ...options, out: run } : { resume: run }, at);
    assert.ok(r.killed, `run ${k} was killed at ${JSON.stringify(at)}: ${r.stderr}`);
  }
  const last = await runKilledAt({ resume: run }, null);
  assert.ok(!last.killed, last.stderr);
  assert.deepEqual(metrics(readReport(run)), metrics(reference));
  assert.ok(readFileSync(join(run, 'student.onnx')).equals(readFileSync(join(whole, 'student.onnx'))), 'the final student is the same bytes');
});

for (const [what, extra] of [['AdamW', { optimizer: 'adamw' }], ['SGD with a moving average of the weights', { ema: 0.9 }]] as const) {
test(`an AbortSignal stops compress at the next batch with a resumable folder; resume gives the same metrics (${what})`, async () => {
  const teacher = await teacherFile();
  const reference = metrics(await compress({ ...settings, teacher, out: newRun(), ...extra }));
  const out = newRun();
  const stop = new AbortController();
  let batches = 0;
  const onEvent = (e: CompressEvent): void => {
    if (e.type === 'batch' && ++batches === 7) stop.abort();
  };
  await assert.rejects(compress({ ...settings, teacher, out, ...extra, onEvent, signal: stop.signal }), (e: unknown) => {
    assert.ok(e instanceof AbortedError);
    assert.match(e.message, /stopped at step 1, epoch 2, batch 4/);
    assert.match(e.hint ?? '', /--resume/);
    return true;
  });
  const events: string[] = [];
  const report = await compress({ resume: out, onEvent: (e) => events.push(e.type) });
  assert.deepEqual(metrics(report), reference);
  assert.ok(events.includes('resumed'));
});
}

test('resume takes --threads, for the machine the run goes on on: the run continues at that count and says so in report.json', async () => {
  const teacher = await teacherFile();
  const out = newRun();
  const stop = new AbortController();
  let batches = 0;
  const onEvent = (e: CompressEvent): void => {
    if (e.type === 'batch' && ++batches === 7) stop.abort();
  };
  await assert.rejects(compress({ ...settings, teacher, out, onEvent, signal: stop.signal }), AbortedError);
  const events: string[] = [];
  const report = await compress({ resume: out, threads: 1, onEvent: (e) => events.push(e.type) });
  assert.ok(events.includes('resumed'));
  assert.equal(report.config.threads, 1);
  assert.equal(report.steps.length, 2);
  assert.equal(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).threads, 2, "run.json keeps the run's own settings");
});

test('--resume refuses other run flags, a folder that is not a run, and leaves the folder as it was', async () => {
  const notRun = mkdtempSync(join(tmpdir(), 'whittle-resume-'));
  writeFileSync(join(notRun, 'keep.txt'), 'x');
  const a = runCli(['compress', '--resume', notRun]);
  assert.equal(a.status, 2);
  assert.match(a.stderr, /is not a whittle run folder \(no run\.json\)/);
  const b = runCli(['compress', '--resume', notRun, '--ratios', '0.5']);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /--resume: takes no other run options but threads \(got ratios\)/);
  assert.deepEqual(readdirSync(notRun), ['keep.txt']);
  const c = runCli(['compress', '--data', DATA, '--ratios', '0.5', '-o', newRun()]);
  assert.equal(c.status, 2);
  assert.match(c.stderr, /--teacher: is required \(or resume RUN_DIR/);
});
