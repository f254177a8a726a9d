// Kill and resume (issue 37): a small compress run SIGKILLed over and over, at batch boundaries (each in turn) and in
// the middle of writing a checkpoint, resumed after each kill; every finished run's report.json must equal an
// uninterrupted run's in all its metrics (everything but the timings), to the last digit.
// Usage: npm run -s build:ts && node bench/kill-resume.mjs [kills=100] [kills-per-run=3] [threads=2] [compress options as JSON, e.g. '{"fadeEpochs":0}'] [start=0]
// (start: the kill point the cycle starts at, so that two halves run side by side cover different points)
// The run has compress's defaults otherwise: a soft cut (--fade-epochs 1, as its steps have 2 epochs), --ema 0.999 and
// --precision auto (bf16 on a CPU with AVX512-BF16 or AMX).
// Prints one line per run and a JSON summary; exits 1 on the first run whose metrics differ.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'whittle.js');

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]), JSON.parse(process.argv[4]));
else await main(Number(process.argv[2] ?? 100), Number(process.argv[3] ?? 3), Number(process.argv[4] ?? 2), JSON.parse(process.argv[5] ?? '{}'), Number(process.argv[6] ?? 0));

/**
 * One process of the run: compress with `options`, SIGKILLing itself when it reaches `at` (a batch boundary: after
 * that batch's update, or an epoch end plus `delayMs`, which lands inside the checkpoint being written).
 */
async function child(options, at) {
  const { compress } = await import(join(root, 'dist', 'src', 'api', 'index.js'));
  const die = () => process.kill(process.pid, 'SIGKILL');
  const onEvent = (e) => {
    if (at === null || e.step !== at.step || e.epoch !== at.epoch) return;
    if (at.kind === 'batch' && e.type === 'batch' && e.index === at.index) die();
    if (at.kind === 'checkpoint' && e.type === 'epoch-end') setTimeout(die, at.delayMs);
  };
  await compress({ ...options, onEvent });
}

function runChild(options, at) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(options), JSON.stringify(at)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d.toString()));
    p.on('exit', (code, signal) => resolve({ killed: signal === 'SIGKILL', code, err }));
  });
}

/** report.json without the timings. */
function metrics(dir) {
  const r = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  return JSON.stringify({ teacher: r.teacher, final: r.final, steps: r.steps.map(({ seconds: _s, imagesPerSec: _i, ...rest }) => rest) });
}

async function main(kills, perRun, threads, extra, start) {
  const work = mkdtempSync(join(tmpdir(), 'whittle-kill-resume-'));
  const teacher = join(work, 'teacher.onnx');
  const t = spawnSync(process.execPath, [cli, 'train-teacher', '--arch', 'lenet5', '--data', 'mnist', '--epochs', '1', '--train-subset', '1000', '--seed', '2', '--threads', '1', '-o', teacher], { encoding: 'utf8' });
  if (t.status !== 0) throw new Error(t.stderr);
  // two steps of two epochs of 8 batches (the last one 50 rows), SGD with momentum, distillation from the teacher cache
  const options = { teacher, data: 'mnist', trainSubset: 1000, valSize: 250, batchSize: 100, ratios: [0.6, 0.6], epochsPerStep: [2, 2], seed: 5, threads, ...extra };
  const batches = 8;
  const points = [];
  for (let step = 1; step <= 2; step++) {
    for (let epoch = 1; epoch <= 2; epoch++) {
      for (let index = 0; index < batches; index++) points.push({ kind: 'batch', step, epoch, index });
      points.push({ kind: 'checkpoint', step, epoch });
    }
  }
  const whole = join(work, 'whole');
  const w = await runChild({ ...options, out: whole }, null);
  if (w.code !== 0) throw new Error(w.err);
  const reference = metrics(whole);
  const { config, precision } = JSON.parse(readFileSync(join(whole, 'report.json'), 'utf8'));
  console.log(`reference run: --fade-epochs ${config.fadeEpochs}, --ema ${config.ema}, precision ${precision}`);
  let done = 0;
  let runs = 0;
  let next = start % points.length;
  const t0 = Date.now();
  while (done < kills) {
    const out = join(work, `run-${runs}`);
    // kill points in run order: the next ones of the cycle through all points, so that every one is hit in turn
    const count = Math.min(perRun, kills - done);
    const at = [];
    for (let k = 0; k < count; k++) at.push({ ...points[(next + k * Math.ceil(points.length / count)) % points.length] });
    next = (next + 1) % points.length;
    at.sort((a, b) => points.findIndex((p) => p.step === a.step && p.epoch === a.epoch && p.kind === a.kind && p.index === a.index) - points.findIndex((p) => p.step === b.step && p.epoch === b.epoch && p.kind === b.kind && p.index === b.index));
    for (const p of at) if (p.kind === 'checkpoint') p.delayMs = Math.floor(Math.random() * 40);
    let first = true;
    for (const p of at) {
      const r = await runChild(first ? { ...options, out } : { resume: out }, p);
      if (!r.killed) throw new Error(`run ${runs} was not killed at ${JSON.stringify(p)} (exit ${r.code}): ${r.err}`);
      first = false;
      done++;
    }
    const r = await runChild({ resume: out }, null);
    if (r.code !== 0) throw new Error(`run ${runs}: the last resume failed: ${r.err}`);
    const same = metrics(out) === reference;
    console.log(`run ${runs}: killed at ${at.map((p) => `${p.step}.${p.epoch}.${p.kind === 'batch' ? `b${p.index}` : `ckpt+${p.delayMs}ms`}`).join(', ')}: ${same ? 'same' : 'DIFFERENT'}`);
    if (!same) {
      console.log(`reference: ${reference}\nresumed:   ${metrics(out)}`);
      process.exitCode = 1;
      break;
    }
    rmSync(out, { recursive: true, force: true });
    runs++;
  }
  console.log(JSON.stringify({ bench: 'kill-resume', threads, extra, start, fadeEpochs: config.fadeEpochs, ema: config.ema, precision, kills: done, runs, allSame: process.exitCode !== 1, seconds: (Date.now() - t0) / 1000 }));
  if (existsSync(work) && process.exitCode !== 1) rmSync(work, { recursive: true, force: true });
}
