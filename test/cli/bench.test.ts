import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './run-cli.js';

test('bench train --json prints imagesPerSec on its last line', () => {
  for (const arch of ['vgg-small', 'resnet-small']) {
    const r = runCli(['bench', 'train', '--arch', arch, '--batch', '8', '--iters', '2', '--warmup', '1', '--threads', '1', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const j = r.lastJson();
    assert.equal(j['arch'], arch);
    assert.ok(typeof j['imagesPerSec'] === 'number' && j['imagesPerSec'] > 0);
    assert.ok(Number.isFinite(j['finalLoss'] as number));
  }
});

test('bench train rejects bad flags with one line and exit code 2', () => {
  const cases: [string[], RegExp][] = [
    [['--arch', 'alexnet'], /--arch: expected one of mlp, lenet5, vgg-small, resnet-small, got 'alexnet'/],
    [['--input', '28x28'], /--input: expected CxHxW/],
    [['--batch', '0'], /--batch: expected an integer >= 1/],
    [['--device', 'tpu'], /--device: expected cpu, cuda or cuda:N/],
  ];
  for (const [flags, msg] of cases) {
    const r = runCli(['bench', 'train', '--iters', '1', ...flags]);
    assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('--device cuda on a CPU-only libtorch says what to do', () => {
  const r = runCli(['bench', 'train', '--iters', '1', '--device', 'cuda']);
  if (r.status === 0) return; // a CUDA machine
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--device: this libtorch sees no CUDA device/);
  assert.match(r.stderr, /hint: /);
});
