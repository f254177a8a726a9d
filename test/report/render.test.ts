// report.html and `whittle report` output open offline and render in headless Chromium (Debian's `chromium`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderHtml } from '../../src/report/index.js';
import type { CompressReport } from '../../src/pipeline/report.js';
import { resolveConfig } from '../../src/pipeline/run-config.js';
import { runCli } from '../cli/run-cli.js';
import { CHROMIUM, NO_CHROMIUM, headlessArgs } from '../helpers/chromium.js';

function fakeReport(shift: number): CompressReport {
  const step = (k: number, ratio: number) => ({
    step: k, targetRatio: 0.5, achievedRatio: 0.5, params: Math.round(140000 * ratio), macs: Math.round(2.2e7 * ratio),
    valAccuracy: 0.92 - 0.01 * k - shift, testAccuracy: 0.915 - 0.01 * k - shift, seconds: 30, imagesPerSec: 500,
    epochs: [{ epoch: 1, trainLoss: 0.5, valAccuracy: 0.9 - shift }, { epoch: 2, trainLoss: 0.4, valAccuracy: 0.91 - shift }],
    groups: [{ name: 'features.0', kept: Math.round(32 * ratio), total: 32 }, { name: 'features.3', kept: Math.round(64 * ratio), total: 64 }],
  });
  return {
    teacher: { params: 140458, macs: 21903104, valAccuracy: 0.93, testAccuracy: 0.925 },
    steps: [step(1, 0.5), step(2, 0.25)],
    final: { params: 35000, macs: 5.5e6, valAccuracy: 0.9, testAccuracy: 0.895, paramsRatio: 0.25, macsRatio: 0.25 },
    config: { ...resolveConfig('teacher.onnx', { data: 'fashion-mnist', ratios: [0.5, 0.5] }), teacherCache: false },
    versions: { whittle: '0.1.0', libtorch: '1.13.0', node: process.version },
  };
}

function chromium(args: string[], cwd: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(CHROMIUM!, [...headlessArgs(), ...args], { cwd, encoding: 'utf8', timeout: 60000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('report.html renders its charts in headless Chromium, offline', (t) => {
  if (!CHROMIUM) return t.skip(NO_CHROMIUM);
  const dir = mkdtempSync(join(tmpdir(), 'whittle-report-'));
  const html = join(dir, 'report.html');
  writeFileSync(html, renderHtml([{ name: 'run', report: fakeReport(0) }]));
  assert.doesNotMatch(readFileSync(html, 'utf8'), /https?:\/\/(?!www\.w3\.org)/, 'no external resources');
  const dom = chromium(['--dump-dom', `file://${html}`], dir);
  assert.equal(dom.status, 0, dom.stderr);
  assert.equal((dom.stdout.match(/<svg/g) ?? []).length, 5, 'four charts and the channel widths');
  assert.match(dom.stdout, /Test accuracy against parameters/);
  const png = join(dir, 'shot.png');
  const shot = chromium([`--screenshot=${png}`, '--window-size=1200,1400', `file://${html}`], dir);
  assert.equal(shot.status, 0, shot.stderr);
  assert.ok(statSync(png).size > 20000, 'a screenshot with content');
});

test('whittle report draws several runs on the same charts', (t) => {
  if (!CHROMIUM) return t.skip(NO_CHROMIUM);
  const root = mkdtempSync(join(tmpdir(), 'whittle-report-'));
  for (const [name, shift] of [['progressive', 0], ['oneshot', 0.02]] as const) {
    mkdirSync(join(root, name));
    writeFileSync(join(root, name, 'report.json'), JSON.stringify(fakeReport(shift)));
  }
  const out = join(root, 'compare.html');
  const r = runCli(['report', join(root, 'progressive'), join(root, 'oneshot'), '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  const dom = chromium(['--dump-dom', `file://${out}`], root);
  assert.equal(dom.status, 0, dom.stderr);
  assert.match(dom.stdout, /progressive vs oneshot/);
  assert.equal((dom.stdout.match(/<svg/g) ?? []).length, 6, 'four shared charts and one channel chart per run');
  const bad = runCli(['report', join(root, 'nothing-here'), '-o', join(root, 'x.html')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /has no report\.json/);
});

test('report.html says how the data was fed and what the run warned about; older reports without it still render', () => {
  const data = { spec: 'folder:/x', classes: ['a', 'b'], shape: [3, 12, 12], storedChannels: 1, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], statsSource: 'computed' as const, warnings: ['the images are grey & the model takes <RGB>'] };
  const html = renderHtml([{ name: 'run', report: { ...fakeReport(0), data } }]);
  assert.match(html, /data folder:\/x: 2 classes, images 3x12x12 \(stored with 1 channel\), mean 0.5,0.5,0.5, std 0.25,0.25,0.25 \(computed\)/);
  assert.match(html, /warning: the images are grey &amp; the model takes &lt;RGB&gt;/);
  assert.doesNotMatch(renderHtml([{ name: 'run', report: fakeReport(0) }]), /warning:|data /);
});
