// --precision: auto picks bf16 only where the CPU computes it (its flags injected with WHITTLE_CPU_FLAGS, to play a CPU
// with and one without AVX512-BF16/AMX), says which it picked, and bf16 on a CPU without it is refused with one line
// and exit 2 by every command that takes it, before anything is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuHasBf16, resolvePrecision } from '../../src/tensor/index.js';
import { ConfigError } from '../../src/errors.js';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-precision-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const OLD_CPU = { WHITTLE_CPU_FLAGS: 'fpu sse sse2 avx avx2 fma avx512f avx512bw avx512_vnni' };
const BF16_CPU = { WHITTLE_CPU_FLAGS: 'fpu sse sse2 avx avx2 avx512f avx512_bf16' };
const AMX_CPU = { WHITTLE_CPU_FLAGS: 'fpu avx2 amx_tile amx_bf16 amx_int8' };
const hasBf16 = cpuHasBf16();

function withFlags<T>(env: Record<string, string>, fn: () => T): T {
  const was = process.env['WHITTLE_CPU_FLAGS'];
  process.env['WHITTLE_CPU_FLAGS'] = env['WHITTLE_CPU_FLAGS'];
  try {
    return fn();
  } finally {
    if (was === undefined) delete process.env['WHITTLE_CPU_FLAGS'];
    else process.env['WHITTLE_CPU_FLAGS'] = was;
  }
}

test('auto is bf16 on a CPU with AVX512-BF16 or AMX, fp32 on one with neither (VNNI alone is not enough); fp32 stays fp32', () => {
  assert.deepEqual(withFlags(BF16_CPU, () => resolvePrecision('auto').precision), 'bf16');
  assert.deepEqual(withFlags(AMX_CPU, () => resolvePrecision('auto').precision), 'bf16');
  assert.deepEqual(withFlags(OLD_CPU, () => resolvePrecision('auto')), { precision: 'fp32', reason: 'auto: the CPU has neither AVX512-BF16 nor AMX' });
  assert.equal(withFlags(BF16_CPU, () => resolvePrecision('fp32').precision), 'fp32');
  assert.equal(withFlags(BF16_CPU, () => resolvePrecision('bf16').precision), 'bf16');
  assert.throws(() => withFlags(OLD_CPU, () => resolvePrecision('bf16')), (e: unknown) => e instanceof ConfigError && e.path === 'precision' && /AVX512-BF16 or AMX/.test(e.message));
});

const EVAL = ['eval', 'teachers/vgg-small-mnist.onnx', '--data', 'mnist', '--split', 'val', '--val-size', '200', '--no-latency', '--json'];

test('eval says the precision auto picked: fp32 on a CPU without bf16, bf16 on one with it (and the same accuracy)', () => {
  const old = runCli(EVAL, OLD_CPU);
  assert.equal(old.status, 0, old.stderr);
  assert.equal(old.lastJson()['precision'], 'fp32');
  const asked = runCli([...EVAL, '--precision', 'fp32']);
  assert.equal(asked.lastJson()['precision'], 'fp32');
  assert.equal(asked.lastJson()['accuracy'], old.lastJson()['accuracy']);
  if (hasBf16) {
    const bf16 = runCli(EVAL);
    assert.equal(bf16.status, 0, bf16.stderr);
    assert.equal(bf16.lastJson()['precision'], 'bf16');
    assert.ok(Math.abs((bf16.lastJson()['accuracy'] as number) - (old.lastJson()['accuracy'] as number)) <= 0.01, 'bf16 and fp32 agree within a point on 200 images');
  }
});

test('--precision bf16 on a CPU without AVX512-BF16 or AMX is refused with one line, exit 2, nothing written', () => {
  const out = join(dir, 'run');
  const teacher = join(dir, 'teacher.onnx');
  const commands: string[][] = [
    ['train-teacher', '--data', 'mnist', '--train-subset', '100', '--epochs', '1', '-o', teacher],
    ['compress', '--teacher', 'teachers/vgg-small-mnist.onnx', '--data', 'mnist', '--train-subset', '100', '--ratios', '0.5', '-o', out],
    EVAL.filter((a) => a !== '--json'),
    ['bench', 'train', '--iters', '1', '--warmup', '0'],
  ];
  for (const args of commands) {
    const r = runCli([...args, '--precision', 'bf16'], OLD_CPU);
    assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0]!, /^whittle: error\[E_CONFIG\]: --precision: bf16 needs a CPU with AVX512-BF16 or AMX/, args[0]);
    assert.ok(lines.slice(1).every((l) => l.startsWith('  hint: ')), `${args[0]}: only the error and its hint: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.ok(!existsSync(out) && !existsSync(teacher), 'nothing was written');
});

test('compress prints the precision at the start and writes it to report.json; run.json keeps what was asked', { skip: hasBf16 ? false : 'the CPU has neither AVX512-BF16 nor AMX' }, () => {
  const out = join(dir, 'auto');
  const r = runCli(['compress', '--teacher', 'teachers/vgg-small-mnist.onnx', '--data', 'mnist', '--train-subset', '256', '--val-size', '64', '--ratios', '0.5', '--epochs-per-step', '1', '-o', out], BF16_CPU);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.split('\n')[0]!, /^precision: bf16 \(auto: the CPU has AVX512-BF16 or AMX\)$/);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { precision: string; config: { precision: string } };
  assert.equal(report.precision, 'bf16');
  assert.equal(report.config.precision, 'auto');
  assert.equal((JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { precision: string }).precision, 'auto');
});
