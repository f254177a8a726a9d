import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tidy, tensor } from '../../src/tensor/index.js';
import { headLabelLoss, withLabelLosses, type Head } from '../../src/task/index.js';
import { ConfigError } from '../../src/errors.js';
import { runCli } from '../cli/run-cli.js';
import { npyBytes } from '../data/fixtures.js';
import { segFolder, smallIdxData } from './fixtures.js';
import { CONV1D, sigmoidModel } from './sigmoid-model.js';

const IDX = smallIdxData();
const quick = ['--epochs', '1', '--threads', '2', '--precision', 'fp32', '--optimizer', 'adamw'];
const out = (): string => join(mkdtempSync(join(tmpdir(), 'whittle-tt-')), 'teacher.onnx');

/** The test split's figure of a train-teacher run's last line, e.g. 'test mIoU 12.34%'. */
const testFigure = (stdout: string): string => /test [\w ]+-?[\d.]+%\n$/.exec(stdout)![0];


/** An npy: set of 200 float rows [2, 32] with y.npy targets [5] (in [0, 1] with `unit`). */
function targetSet(unit: boolean): string {
  const n = 200;
  const x = Float32Array.from({ length: n * 64 }, (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13);
  const y = Float32Array.from({ length: n * 5 }, (_, i) => (unit ? (x[Math.floor(i / 5) * 64 + (i % 5)]! > 0.5 ? 1 : 0) : x[Math.floor(i / 5) * 64 + (i % 5)]! * 2));
  const dir = mkdtempSync(join(tmpdir(), 'whittle-npy-'));
  writeFileSync(join(dir, 'x.npy'), npyBytes('<f4', [n, 2, 32], x));
  writeFileSync(join(dir, 'y.npy'), npyBytes('<f4', [n, 5], y));
  return `npy:${dir}`;
}

test('label losses: bce is binary cross-entropy of the logits against the targets; mse and ce are the tasks\' own', () => {
  const head: Head = { output: 'o', value: 'o', activation: 'sigmoid', shape: ['N', 3], task: 'regress', loss: 'bce', labelled: true };
  const s = [0.5, -1, 2, 0, 3, -2];
  const t = [1, 0, 1, 0.5, 0, 1];
  const want = s.reduce((a, v, i) => a + Math.max(v, 0) - v * t[i]! + Math.log1p(Math.exp(-Math.abs(v))), 0) / s.length;
  const [bce, mse, deflt] = tidy(() => {
    const st = tensor(Float32Array.from(s), [2, 3], 'float32');
    const tt = tensor(Float32Array.from(t), [2, 3], 'float32');
    return [headLabelLoss({ ...head, labelLoss: 'bce' }, st, tt).item(), headLabelLoss({ ...head, labelLoss: 'mse' }, st, tt).item(), headLabelLoss(head, st, tt).item()];
  });
  assert.ok(Math.abs(bce! - want) < 1e-6, `${bce} vs ${want}`);
  assert.equal(mse, deflt, 'mse is the regressor\'s own (normalised) loss');
  assert.deepEqual(withLabelLosses([head], [], 'model').map((h) => h.labelLoss), ['bce'], 'bce by default after a Sigmoid');
  assert.deepEqual(withLabelLosses([{ ...head, activation: null }], [], 'model').map((h) => h.labelLoss), ['mse']);
  assert.throws(() => withLabelLosses([{ ...head, labelled: false }, { ...head, output: 'p' }], ['o=mse'], 'model'), (e: unknown) => e instanceof ConfigError && /names output 'o', which the labels do not train \(they train 'p'\)/.test(e.message));
});

test('train-teacher --task and --loss: segment with ce and regress with mse train as auto does; bce trains a Sigmoid regressor on 0/1 targets', async () => {
  const seg = await segFolder();
  const segArgs = ['train-teacher', '--arch', 'unet-small', '--data', seg, '--image-size', '12', '--val-size', '4', '--batch-size', '16', ...quick];
  const auto = runCli([...segArgs, '-o', out()]);
  assert.equal(auto.status, 0, auto.stderr);
  const asked = runCli([...segArgs, '--task', 'segment', '--loss', 'ce', '-o', out()]);
  assert.equal(asked.status, 0, asked.stderr);
  assert.match(asked.stdout, /epoch 1: train loss [\d.]+, val mIoU [\d.]+%/);
  assert.equal(testFigure(asked.stdout), testFigure(auto.stdout), 'segment with ce is what auto picks');

  const reg = targetSet(false);
  const regArgs = ['train-teacher', '--model', CONV1D, '--data', reg, '--val-size', '40', '--batch-size', '40', ...quick];
  const regAuto = runCli([...regArgs, '-o', out()]);
  const regMse = runCli([...regArgs, '--task', 'output=regress', '--loss', 'output=mse', '-o', out()]);
  assert.equal(regMse.status, 0, regMse.stderr);
  assert.match(regMse.stdout, /val r2 -?[\d.]+%/);
  assert.equal(testFigure(regMse.stdout), testFigure(regAuto.stdout));

  const sig = await sigmoidModel();
  const unit = targetSet(true);
  const sigArgs = ['train-teacher', '--model', sig, '--data', unit, '--val-size', '40', '--batch-size', '40', ...quick, '--json'];
  const bce = runCli([...sigArgs, '-o', out()]);
  const bceAsked = runCli([...sigArgs, '--loss', 'bce', '-o', out()]);
  const mse = runCli([...sigArgs, '--loss', 'mse', '-o', out()]);
  for (const r of [bce, bceAsked, mse]) assert.equal(r.status, 0, r.stderr);
  const loss = (r: typeof bce): number => (r.lastJson() as { epochs: { trainLoss: number }[] }).epochs[0]!.trainLoss;
  assert.equal(loss(bce), loss(bceAsked), 'bce is the default after a Sigmoid');
  assert.notEqual(loss(bce), loss(mse));
  assert.ok(loss(bce) > 0 && loss(bce) < 2, String(loss(bce)));
});

test('train-teacher refuses a task the model or labels cannot take and a loss the labelled output cannot: one line, exit 2, nothing written', () => {
  const cases: [string[], RegExp][] = [
    [['--task', 'segment'], /^whittle: error\[E_CONFIG\]: --task: the model's output 'output': segment needs an output \[N, K, H, W\]/],
    [['--task', 'embed'], /^whittle: error\[E_CONFIG\]: --task: a teacher trains on labels, and its class labels fit none of the model's outputs \(output: embed\)/],
    [['--task', 'regress'], /^whittle: error\[E_CONFIG\]: --task: a teacher trains on labels, and its class labels fit none of the model's outputs \(output: regress\)/],
    [['--task', 'logits=classify'], /^whittle: error\[E_CONFIG\]: --task: names output 'logits', which the model lacks \(its outputs: output\)/],
    [['--loss', 'mse'], /^whittle: error\[E_CONFIG\]: --loss: mse does not train output 'output' \(classify\) on its labels/],
    [['--loss', 'kl'], /^whittle: error\[E_CONFIG\]: --loss: 'kl' is not one of ce, mse, bce/],
    [['--loss', 'boxes=ce'], /^whittle: error\[E_CONFIG\]: --loss: names output 'boxes', which the model lacks/],
  ];
  for (const [args, message] of cases) {
    const file = out();
    const r = runCli(['train-teacher', '--arch', 'vgg-small', '--data', IDX, ...args, '-o', file]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('  hint:')).length, 1, r.stderr);
    assert.equal(existsSync(file), false, 'nothing written');
  }
});
