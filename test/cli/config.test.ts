import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compressSpec, readConfig, type Spec } from '../../src/options/index.js';
import { repoRoot, runCli } from './run-cli.js';

const TEACHER = join(repoRoot, 'teachers', 'vgg-small-mnist.onnx');

test('compress --config: an unknown key, a bad value or a missing option is one line and exit 2; a run folder is never touched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-config-'));
  const existing = join(dir, 'existing');
  mkdirSync(existing);
  writeFileSync(join(existing, 'report.json'), '{"keep": true}');
  const config = (name: string, text: string): string => {
    writeFileSync(join(dir, name), `teacher: ${TEACHER}\ndata: mnist\n${text}`);
    return join(dir, name);
  };
  const cases: [string[], RegExp][] = [
    [['--config', config('a.yaml', 'ratios: [0.5]\nepoch-per-step: 1\n'), '-o', existing], /a\.yaml: epoch-per-step: unknown option \(did you mean epochsPerStep\?\)$/],
    [['--config', config('b.yaml', 'ratios: [0.5, 1.5]\n'), '-o', existing], /b\.yaml: ratios: each ratio must be in \(0, 1\], got 1\.5$/],
    [['--config', config('c.yaml', 'ratios: [0.5]\nalpha: 2\n'), '-o', existing], /c\.yaml: alpha: must be in \[0, 1\], got 2$/],
    [['--config', config('d.yaml', 'ratios: [0.5]\n')], /--output: is required/],
    [['--config', config('e.yaml', 'ratios: [0.5]\n'), '-o', existing], /--output: run folder .* already exists and is not empty/],
    [['--config', join(dir, 'missing.yaml'), '-o', existing], /--config: cannot read .*missing\.yaml \(ENOENT\)$/],
  ];
  for (const [args, msg] of cases) {
    const r = runCli(['compress', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trim().split('\n')[0]!, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  assert.deepEqual(readdirSync(existing), ['report.json']);
  assert.equal(readFileSync(join(existing, 'report.json'), 'utf8'), '{"keep": true}');
});

test('compress: flags override the config, and errors name the option where it was set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-config-'));
  const path = join(dir, 'whittle.yaml');
  writeFileSync(path, `teacher: ${TEACHER}\ndata: mnist\nratios: [0.5, 7]\nalpha: 0.5\n`);
  const out = join(dir, 'run');
  // the config's bad ratios are overridden, so the first problem left is the flag's alpha
  const r = runCli(['compress', '--config', path, '--ratios', '0.5', '--alpha', '3', '-o', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /error\[E_CONFIG\]: --alpha: must be in \[0, 1\], got '3'/);
  const s = runCli(['compress', '--config', path, '--alpha', '0.3', '-o', out]);
  assert.match(s.stderr, /whittle\.yaml: ratios: each ratio must be in \(0, 1\], got 7/);
  assert.deepEqual(readdirSync(dir), ['whittle.yaml']);
});

test('compress --help-all: one flag per CLI option of the spec, and --no- switches read as what they do', () => {
  const r = runCli(['compress', '--help-all']);
  assert.equal(r.status, 0, r.stderr);
  const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  for (const [key, opt] of Object.entries(compressSpec as Spec)) {
    if (opt.cli === false) continue;
    const long = opt.flags?.match(/--[a-z-]+/)?.[0] ?? `--${kebab(key)}`;
    assert.match(r.stdout, new RegExp(`^\\s+(-\\w, )?${long}\\b`, 'm'), `${key}: ${long} missing from --help-all`);
  }
  const flat = r.stdout.replace(/\s+/g, ' ');
  assert.match(flat, /--no-distill fine-tune with labels only instead of distilling from the teacher/);
  assert.doesNotMatch(flat, /false \(--no-distill\)/);
});

test('a list option set to one number in the config is that one-value list, as on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-config-'));
  const path = join(dir, 'whittle.yaml');
  writeFileSync(path, 'ratios: 0.5\nmean: [0.5]\nstd: 0.25\nignore: features.0\n');
  const c = readConfig(path, compressSpec);
  assert.deepEqual(c.values, { ratios: [0.5], mean: [0.5], std: [0.25], ignore: ['features.0'] });
  writeFileSync(path, 'std: -1\n');
  const r = runCli(['compress', '--config', path, '--teacher', TEACHER, '--data', 'mnist', '--mean', '0.5', '-o', join(dir, 'run')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /whittle\.yaml: std: each std must be a positive number/);
});
