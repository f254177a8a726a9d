// report.html and `whittle report` output open offline and render in headless Chromium (Debian's `chromium`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderHtml } from '../../src/report/index.js';
import type { CompressReport } from '../../src/pipeline/report.js';
import { defaultConfigFor, resolveConfig } from '../../src/pipeline/run-config.js';
import { summaryTiles, settingsTable, shownSettings } from '../../src/report/index.js';
import { niceTicks } from '../../src/report/svg.js';
import { runCli } from '../cli/run-cli.js';
import { CHROMIUM, NO_CHROMIUM, headlessArgs } from '../helpers/chromium.js';

function fakeReport(shift: number): CompressReport {
  const step = (k: number, ratio: number) => ({
    step: k, targetRatio: 0.5, achievedRatio: 0.5, params: Math.round(140000 * ratio), macs: Math.round(2.2e7 * ratio),
    cutValAccuracy: 0.85 - 0.05 * k - shift, valAccuracy: 0.92 - 0.01 * k - shift, testAccuracy: 0.915 - 0.01 * k - shift, seconds: 30, imagesPerSec: 500,
    epochs: [{ epoch: 1, trainLoss: 0.5, valAccuracy: 0.9 - shift }, { epoch: 2, trainLoss: 0.4, valAccuracy: 0.91 - shift }],
    groups: [{ name: 'features.0', kept: Math.round(32 * ratio), total: 32 }, { name: 'features.3', kept: Math.round(64 * ratio), total: 64 }],
  });
  return {
    teacher: { params: 140458, macs: 21903104, valAccuracy: 0.93, testAccuracy: 0.925 },
    steps: [step(1, 0.5), step(2, 0.25)],
    final: { params: 35000, macs: 5.5e6, valAccuracy: 0.9, testAccuracy: 0.895, paramsRatio: 0.25, macsRatio: 0.25 },
    config: { ...resolveConfig('teacher.onnx', { data: 'fashion-mnist', ratios: [0.5, 0.5], lr: 0.01 + shift, augment: 'default' }), teacherCache: false },
    footprint: { runtime: 'onnxruntime-node 1.23.2', threads: 1, batch: 1, runs: 40, teacher: { bytes: 563000, latencyMs: 0.8 }, student: { bytes: 141000, latencyMs: 0.25 } },
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
  writeFileSync(html, renderHtml([{ name: 'run', report: fakeReport(0), defaults: defaultConfigFor(fakeReport(0).config) }]));
  assert.doesNotMatch(readFileSync(html, 'utf8'), /https?:\/\/(?!www\.w3\.org)/, 'no external resources');
  const dom = chromium(['--dump-dom', `file://${html}`], dir);
  assert.equal(dom.status, 0, dom.stderr);
  assert.equal((dom.stdout.match(/<svg/g) ?? []).length, 6, 'five charts and the channel widths');
  assert.match(dom.stdout, /class="tile-value">25\.0%/, 'the card comes first');
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
  assert.equal((dom.stdout.match(/<svg/g) ?? []).length, 7, 'five shared charts and one channel chart per run');
  // the settings table has a column per run and only the settings the runs change (lr, augment) besides the identity
  const settings = /<table class="settings">(.*?)<\/table>/s.exec(dom.stdout)?.[1] ?? '';
  assert.match(settings, /<th>setting<\/th><th>progressive<\/th><th>oneshot<\/th>/);
  assert.deepEqual([...settings.matchAll(/<tr><td>([a-z-]+)<\/td>/g)].map((m) => m[1]), ['teacher', 'data', 'ratios', 'lr', 'augment']);
  assert.match(settings, /<td>lr<\/td><td>0\.01<\/td><td>0\.03<\/td>/);
  const bad = runCli(['report', join(root, 'nothing-here'), '-o', join(root, 'x.html')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /has no report\.json/);
});

test('report.html says how the data was fed and what the run warned about; older reports without it still render', () => {
  const data = { spec: 'folder:/x', classes: ['a', 'b'], shape: [3, 12, 12], storedChannels: 1, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], statsSource: 'computed' as const, warnings: ['the images are grey & the model takes <RGB>'] };
  const html = renderHtml([{ name: 'run', report: { ...fakeReport(0), data } }]);
  assert.match(html, /data folder:\/x: 2 classes, images 3x12x12 \(stored with 1 channel\), mean 0.5,0.5,0.5, std 0.25,0.25,0.25 \(computed\)/);
  assert.match(html, /warning: the images are grey &amp; the model takes &lt;RGB&gt;/);
  assert.doesNotMatch(renderHtml([{ name: 'run', report: fakeReport(0) }]), /warning:|class="cfg">data /);
});

test('the summary card gives the result against the teacher: size, MACs, accuracy, file size and latency', () => {
  const tiles = Object.fromEntries(summaryTiles({ name: 'run', report: fakeReport(0) }).map((t) => [t.title, t]));
  assert.equal(tiles['Parameters']!.value, '25.0%');
  assert.equal(tiles['Parameters']!.detail, "of the teacher's: 35.0k of 140k");
  assert.equal(tiles['MACs']!.value, '25.0%');
  assert.equal(tiles['Test accuracy']!.value, '−3.00 pts');
  assert.equal(tiles['Test accuracy']!.detail, "89.50% against the teacher's 92.50%");
  assert.equal(tiles['File size']!.value, '141 kB');
  assert.match(tiles['File size']!.detail, /^4\.0x smaller than the teacher's 563 kB/);
  assert.equal(tiles['Latency']!.value, '0.250 ms');
  assert.match(tiles['Latency']!.detail, /^3\.2x faster than the teacher's 0\.800 ms \(onnxruntime-node 1\.23\.2, batch 1, 1 thread, median of 40 runs\)/);
  const { footprint: _, ...old } = fakeReport(0);
  const older = Object.fromEntries(summaryTiles({ name: 'run', report: old }).map((t) => [t.title, t]));
  assert.equal(older['Latency']!.value, '–', 'a report without a footprint says so');
  const slow = fakeReport(0);
  slow.footprint = { ...slow.footprint!, student: { bytes: 141000, latencyMs: null } };
  assert.match(summaryTiles({ name: 'run', report: slow }).find((t) => t.title === 'Latency')!.detail, /the student did not run/);
});

test('epoch axes tick on whole numbers, and the steps chart shows each cut and its recovery', () => {
  assert.deepEqual(niceTicks(1, 3, 5, true), [1, 2, 3]);
  assert.ok(niceTicks(0.9, 2.1, 5, false).some((v) => !Number.isInteger(v)), 'without it, fractions (the old 1.2, 1.4)');
  assert.ok(niceTicks(1, 37, 5, true).every(Number.isInteger));
  const html = renderHtml([{ name: 'run', report: fakeReport(0) }]);
  const epochChart = html.split('<svg').find((c) => c.includes('Validation accuracy per epoch'))!;
  const ticks = [...epochChart.matchAll(/class="xtick"[^>]*>([^<]*)</g)].map((m) => m[1]!);
  assert.ok(ticks.length >= 2 && ticks.every((t) => /^\d+$/.test(t)), `integer ticks, got ${ticks.join(' ')}`);
  const steps = html.split('<svg').find((c) => c.includes('right after the cut'))!;
  assert.deepEqual([...steps.matchAll(/class="xtick"[^>]*>([^<]*)</g)].map((m) => m[1]), ['teacher', 'step 1', 'step 2']);
  assert.equal((steps.match(/fill="#fff"/g) ?? []).length, 2, 'a hollow marker at each step\'s cut');
  assert.match(steps, /step 1 right after the cut: 80</);
});

test('the settings table shows the identity and only what differs from the defaults, each with the default it replaced', () => {
  const run = { name: 'run', report: fakeReport(0), defaults: defaultConfigFor(fakeReport(0).config) };
  assert.deepEqual(shownSettings([run]), ['teacher', 'data', 'ratios', 'lr', 'augment']);
  const html = settingsTable([run]);
  assert.match(html, /<tr><th>setting<\/th><th>value<\/th><\/tr>/);
  assert.match(html, /<td>ratios<\/td><td>0\.5, 0\.5<\/td>/);
  assert.match(html, /<td>augment<\/td><td>default <span class="default">\(default: off\)<\/span><\/td>/);
  assert.doesNotMatch(html, /null|teacher-cache/);
  // without defaults (they did not resolve) every setting is shown, and the page says so
  const all = shownSettings([{ ...run, defaults: null }]);
  assert.ok(all.includes('seed') && all.includes('batchSize'));
  assert.match(settingsTable([{ ...run, defaults: null }]), /every setting/);
});
