import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { loadOnnx, saveOnnx } from '../../src/onnx/index.js';
import { compress } from '../../src/pipeline/compress.js';
import { channelWidths } from '../../src/prune/index.js';
import { readRunConfig } from '../../src/pipeline/run-config.js';
import { runCli } from '../cli/run-cli.js';
import { newRun, smallIdxData, vggTeacherFile as teacherFile } from './fixtures.js';

const DATA = smallIdxData();

const quick = { data: DATA, valSize: 100, batchSize: 100, epochsPerStep: 1, threads: 2 } as const;

/** A saved model's channel widths by group name. */
function widths(path: string): Record<string, number> {
  const g = loadOnnx(path);
  try {
    return channelWidths(g);
  } finally {
    g.dispose();
  }
}

test('progressive compress writes every step, the final student and report.json with the documented fields', async () => {
  const out = newRun();
  const report = await compress({ ...quick, teacher: await teacherFile(), out, ratios: [0.5, 0.5], metric: 'params' });
  assert.deepEqual(readdirSync(out).sort(), ['report.html', 'report.json', 'run.json', 'step-1', 'step-2', 'student.onnx']);
  for (const k of [1, 2]) assert.deepEqual(readdirSync(join(out, `step-${k}`)).sort(), ['metrics.json', 'student.onnx']);
  const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as typeof report;
  assert.deepEqual(json, JSON.parse(JSON.stringify(report)));
  for (const key of ['params', 'macs', 'valAccuracy', 'testAccuracy']) assert.ok(key in json.teacher, `teacher.${key}`);
  assert.equal(json.steps.length, 2);
  for (const s of json.steps) {
    for (const key of ['step', 'targetRatio', 'achievedRatio', 'params', 'macs', 'valAccuracy', 'testAccuracy', 'seconds', 'imagesPerSec', 'epochs']) assert.ok(key in s, `steps[].${key}`);
    assert.ok(Math.abs(s.achievedRatio - 0.5) <= 0.005, `achieved ${s.achievedRatio}`);
    assert.deepEqual(Object.keys(s.epochs[0]!).sort(), ['epoch', 'trainLoss', 'valAccuracy']);
  }
  assert.ok(Math.abs(json.final.paramsRatio - 0.25) < 0.01);
  assert.equal(json.config['mode'], 'progressive');
  assert.equal(json.config['teacherCache'], true, 'IDX data has no augmentation by default: the teacher outputs are cached');
  assert.ok(json.versions.libtorch.length > 0);
  for (const s of json.steps) assert.ok(s.cutValAccuracy! >= 0 && s.cutValAccuracy! <= 1, `steps[].cutValAccuracy ${s.cutValAccuracy}`);
  // the files' sizes, and latencies of both models timed in onnxruntime-node
  const f = json.footprint!;
  assert.equal(f.student.bytes, statSync(join(out, 'student.onnx')).size);
  assert.equal(f.teacher.bytes, statSync(json.config.teacher).size);
  assert.ok(f.teacher.latencyMs! > 0 && f.student.latencyMs! > 0 && f.runs >= 11 && f.batch === 1, JSON.stringify(f));
  const student = loadOnnx(join(out, 'student.onnx'));
  assert.equal(student.parameterCount(), json.final.params);
  assert.equal((JSON.parse(student.metadata['whittle.labels']!) as string[]).length, 10);
  const pre = JSON.parse(student.metadata['whittle.preprocess']!) as { scale: number; mean: number[]; std: number[] };
  assert.equal(pre.scale, 1 / 255);
  assert.equal(pre.mean.length, 1);
  student.dispose();
});

test('each step reports the validation accuracy of the student right after its cut: with no training, the step\'s own', async () => {
  const report = await compress({ ...quick, teacher: await teacherFile(), out: newRun(), ratios: [0.5, 0.5], epochsPerStep: 0 });
  for (const s of report.steps) assert.ok(Math.abs(s.cutValAccuracy! - s.valAccuracy) < 1e-9, `step ${s.step}: ${s.cutValAccuracy} after the cut, ${s.valAccuracy} at the end`);
});

test('oneshot prunes once to the product of the ratios for the same total epochs; --no-distill trains on labels', async () => {
  const teacher = await teacherFile();
  const one = await compress({ ...quick, teacher, out: newRun(), ratios: [0.5, 0.5], mode: 'oneshot' });
  assert.equal(one.steps.length, 1);
  assert.equal(one.steps[0]!.targetRatio, 0.25);
  assert.equal(one.steps[0]!.epochs.length, 2);
  const plain = await compress({ ...quick, teacher, out: newRun(), target: 0.25, steps: 2, distill: false });
  assert.equal(plain.config['distill'], false);
  assert.equal(plain.config['teacherCache'], false);
  assert.deepEqual(plain.steps.map((s) => Math.round(s.targetRatio * 1000) / 1000), [0.5, 0.5]);
});

test('--widths-of gives a one-step run the channel widths of another run\'s student, so that one-shot differs from progressive by its schedule alone', async () => {
  const teacher = await teacherFile();
  const prog = newRun();
  const p = await compress({ ...quick, teacher, out: prog, ratios: [0.5, 0.5], roundTo: 4 });
  const student = join(prog, 'student.onnx');
  const out = newRun();
  const one = await compress({ ...quick, teacher, out, ratios: [0.5, 0.5], mode: 'oneshot', widthsOf: student, fadeEpochs: 1 });
  assert.deepEqual(widths(join(out, 'student.onnx')), widths(student));
  assert.deepEqual(one.config.widths, widths(student));
  assert.equal(one.config.widthsOf, student);
  assert.equal(one.steps[0]!.targetRatio, 0.25);
  assert.equal(one.steps[0]!.params, p.steps[1]!.params);
  assert.deepEqual((await readRunConfig(out)).widths, widths(student), 'run.json holds the widths, so --resume needs no other file');
  const dir = mkdtempSync(join(tmpdir(), 'whittle-widths-'));
  const other = buildZooGraph('resnet-small', { input: [1, 12, 12], classes: 10 });
  await saveOnnx(other, join(dir, 'resnet.onnx'));
  other.dispose();
  const cases: [string[], RegExp][] = [
    [['--ratios', '0.1,0.9', '--widths-of', student], /--widths-of: does not fit step 1 of 2: keeping at least these widths, 0\.1 of the params cannot be reached: the smallest reachable ratio is 0\.\d+/],
    [['--ratios', '0.25', '--widths-of', join(dir, 'resnet.onnx')], /--widths-of: does not fit: no channel group named 'conv1'/],
  ];
  for (const [flags, msg] of cases) {
    const bad = runCli(['compress', '--teacher', teacher, '--data', DATA, ...flags, '-o', join(dir, 'bad')]);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, msg);
    assert.equal(existsSync(join(dir, 'bad')), false);
  }
});

test('--widths-of in a progressive run: each step solves its ratio keeping at least the widths, the last cuts to them', async () => {
  const teacher = await teacherFile();
  const first = newRun();
  await compress({ ...quick, teacher, out: first, ratios: [0.3], roundTo: 4, epochsPerStep: 0 });
  const target = widths(join(first, 'student.onnx'));
  const out = newRun();
  const r = await compress({ ...quick, teacher, out, ratios: [0.6, 0.5], roundTo: 4, widthsOf: join(first, 'student.onnx') });
  assert.ok(Math.abs(r.steps[0]!.achievedRatio - 0.6) <= 0.006, `step 1 solved its ratio: ${r.steps[0]!.achievedRatio}`);
  for (const g of r.steps[0]!.groups) assert.ok(g.kept >= target[g.name]!, `step 1 kept ${g.kept} of ${g.name}, below the ${target[g.name]} to reach`);
  assert.deepEqual(widths(join(out, 'step-1', 'student.onnx')), Object.fromEntries(r.steps[0]!.groups.map((g) => [g.name, g.kept])));
  assert.deepEqual(widths(join(out, 'student.onnx')), target, 'the last step lands on the widths');
  assert.deepEqual(r.steps.map((s) => s.targetRatio), [0.6, 0.5], "the plan's ratios; the last achieved is what the widths give");
  assert.deepEqual((await readRunConfig(out)).widths, target);
});

test('compress refuses bad input with one line and exit 2, and never touches an existing run folder', async () => {
  const teacher = await teacherFile();
  const existing = mkdtempSync(join(tmpdir(), 'whittle-run-'));
  writeFileSync(join(existing, 'report.json'), '{"keep": true}');
  const fresh = newRun();
  const cases: [string[], RegExp][] = [
    [['--teacher', teacher, '--data', DATA, '--ratios', '0.5,1.5', '-o', fresh], /ratios: each ratio must be in \(0, 1\], got 1.5/],
    [['--teacher', teacher, '--data', DATA, '--ratios', '0.5', '-o', existing], /already exists and is not empty/],
    [['--teacher', await teacherFile(7), '--data', DATA, '--ratios', '0.5', '-o', fresh], /teacher: predicts 7 classes .* but the dataset has 10/],
    [['--teacher', await teacherFile(10, 28), '--data', DATA, '--ratios', '0.5', '-o', fresh], /teacher: takes input \[N, 1, 28, 28\] but the dataset's images are 1x12x12/],
    [['--teacher', teacher, '--data', DATA, '-o', fresh], /give ratios .* or a target/],
    [['--teacher', teacher, '--data', DATA, '--ratios', '0.5', '--alpha', '2', '-o', fresh], /alpha: must be in \[0, 1\], got '?2'?/],
    [['--teacher', teacher, '--data', DATA, '--ratios', '0.5', '-o', join(existing, 'report.json', 'run')], /(out|--output): cannot make .*report\.json is a file/],
    [['--teacher', teacher, '--data', DATA, '--ratios', '0.5', '-o', join(existing, 'report.json')], /(out|--output): .*report\.json is a file, not a folder/],
    // as root, /proc passes access(W_OK) but takes no new folder (and Node's recursive mkdir never returns there)
    [['--teacher', teacher, '--data', DATA, '--ratios', '0.5', '-o', '/proc/whittle-no-such/run'], /(out|--output): cannot (make|write)/],
    [['--teacher', teacher, '--data', 'idx:/nonexistent', '--ratios', '0.5', '-o', fresh], /nonexistent/],
    [['--teacher', teacher, '--data', DATA, '--ratios', '0.5', '--val-size', '0', '-o', fresh], /--val-size: 0 leaves no validation images/],
    [['--teacher', teacher, '--data', DATA, '--ratios', '0.5', '--teacher-views', 'flip', '-o', fresh], /--teacher-views: 'flip' needs images whose mirror image has the same class, and idx:.*'s default augmentation does not flip/],
    [['--teacher', teacher, '--data', DATA, '--ratios', '0.5', '--teacher-views', 'flip', '--feature-distill', 'auto', '-o', fresh], /--teacher-views: 'flip' averages the teacher's logits over two views, and feature distillation/],
    [['--teacher', teacher, '--data', DATA, '--ratios', '0.5', '--teacher-views', 'both', '-o', fresh], /--teacher-views: .*off.*flip/],
  ];
  for (const [args, msg] of cases) {
    const r = runCli(['compress', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  assert.equal(readFileSync(join(existing, 'report.json'), 'utf8'), '{"keep": true}');
  assert.deepEqual(readdirSync(existing), ['report.json']);
  assert.equal(existsSync(fresh), false, 'a run that fails its checks makes no folder');
  mkdirSync(fresh, { recursive: true });
  assert.equal(existsSync(join(fresh, 'report.json')), false);
});

test('compress with Taylor importance scores channels on training batches and meets the ratio', async () => {
  const out = newRun();
  const r = await compress({ ...quick, teacher: await teacherFile(), out, ratios: [0.5], criterion: 'taylor', taylorBatches: 2 });
  assert.equal(r.config.criterion, 'taylor');
  assert.equal(r.config.taylorBatches, 2);
  assert.ok(Math.abs(r.steps[0]!.achievedRatio - 0.5) <= 0.005, `achieved ${r.steps[0]!.achievedRatio}`);
});

test('allocation uniform removes the same fraction from every channel group; global meets the same ratio', async () => {
  const teacher = await teacherFile();
  const run = async (allocation: 'global' | 'uniform') => {
    const r = await compress({ ...quick, epochsPerStep: 0, teacher, out: newRun(), ratios: [0.25], allocation });
    assert.equal(r.config.allocation, allocation);
    assert.ok(Math.abs(r.steps[0]!.achievedRatio - 0.25) <= 0.0025, `achieved ${r.steps[0]!.achievedRatio}`);
    return r.steps[0]!.groups.map((g) => g.kept / g.total);
  };
  const uniform = await run('uniform');
  assert.ok(Math.max(...uniform) - Math.min(...uniform) < 0.1, `uniform fractions ${uniform.join(', ')}`);
  assert.equal((await run('global')).length, uniform.length);
});

test('uniformOf first: the steps of a uniform run keep the same fraction of the first student\'s widths', async () => {
  const teacher = await teacherFile();
  const run = async (uniformOf: 'current' | 'first') => {
    const r = await compress({ ...quick, epochsPerStep: 0, teacher, out: newRun(), ratios: [0.5, 0.5, 0.5], roundTo: 4, uniformOf });
    assert.equal(r.config.uniformOf, uniformOf);
    for (const s of r.steps) assert.ok(Math.abs(s.achievedRatio - 0.5) <= 0.005, `${uniformOf}: achieved ${s.achievedRatio}`);
    const first = new Map(r.steps[0]!.groups.map((g) => [g.name, g.total]));
    const kept = r.steps[2]!.groups.map((g) => g.kept / first.get(g.name)!);
    return Math.max(...kept) / Math.min(...kept);
  };
  const [current, first] = [await run('current'), await run('first')];
  assert.ok(first < current, `largest over smallest kept fraction of the first widths: current ${current}, first ${first}`);
});

test('a run folder from before the allocation, fadeEpochs, ignore, schedule and teacherViews options resumes with the global allocation, hard cuts, nothing ignored, the cosine schedule and one teacher view, as it was started', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-old-run-'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ teacher: 't.onnx', alpha: 0.9, criterion: 'l1' }));
  const c = await readRunConfig(dir);
  assert.deepEqual([c.allocation, c.alpha, c.fadeEpochs, c.ignore, c.uniformOf], ['global', 0.9, 0, [], 'current']);
  assert.deepEqual([c.schedule, c.teacherViews], ['cosine', 'off']);
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ teacher: 't.onnx', allocation: 'uniform' }));
  assert.equal((await readRunConfig(dir)).allocation, 'uniform');
});

test('trainer settings reach the run: momentum, clipping, early stopping, warmup; bad values are refused', async () => {
  const out = newRun();
  const r = await compress({ ...quick, teacher: await teacherFile(), out, ratios: [0.5], momentum: 0.5, clipNorm: 1, patience: 1, warmupSteps: 0 });
  assert.deepEqual([r.config.momentum, r.config.clipNorm, r.config.patience, r.config.warmupSteps], [0.5, 1, 1, 0]);
  const bad = runCli(['compress', '--teacher', 'x.onnx', '--data', DATA, '--ratios', '0.5', '--momentum', '1.5', '-o', join(out, 'x')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /momentum: must be in \[0, 1\), got '?1.5'?/);
});

test('--student starts from another architecture: its size is the base of the first ratio; a misfit is refused', async () => {
  manualSeed(1);
  const dir = mkdtempSync(join(tmpdir(), 'whittle-student-'));
  const small = buildZooGraph('vgg-small', { input: [1, 12, 12], classes: 10, widths: [16, 16, 32, 32, 64] });
  const params = small.parameterCount();
  await saveOnnx(small, join(dir, 'student.onnx'));
  small.dispose();
  const out = join(dir, 'run');
  const r = await compress({ ...quick, teacher: await teacherFile(), student: join(dir, 'student.onnx'), out, ratios: [0.5] });
  assert.equal(r.config.student, join(dir, 'student.onnx'));
  assert.ok(Math.abs(r.steps[0]!.params / params - 0.5) <= 0.005, `${r.steps[0]!.params} of ${params}`);
  const bad = runCli(['compress', '--teacher', await teacherFile(), '--student', await teacherFile(7), '--data', DATA, '--ratios', '0.5', '-o', join(dir, 'bad')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /student: predicts 7 classes/);
  assert.equal(existsSync(join(dir, 'bad')), false);
});

test('--ignore keeps the named nodes whole at every step (hard or soft cuts), is saved for --resume, and an unknown name is refused before the run starts', async () => {
  const teacher = await teacherFile();
  const outWidth = (file: string, conv: string): number => {
    const g = loadOnnx(file);
    const node = g.nodes.find((n) => n.name === conv)!;
    const width = g.initializers.get(node.inputs[1]!)!.tensor.shape[0]!;
    g.dispose();
    return width;
  };
  const g = loadOnnx(teacher);
  const first = g.nodes.find((n) => n.opType === 'Conv')!.name;
  g.dispose();
  const out = newRun();
  const r = await compress({ ...quick, epochsPerStep: 0, teacher, out, ratios: [0.5, 0.5], ignore: [first] });
  assert.deepEqual(r.config.ignore, [first]);
  assert.deepEqual((await readRunConfig(out)).ignore, [first]);
  for (const s of r.steps) {
    assert.ok(Math.abs(s.achievedRatio - 0.5) <= 0.005, `step ${s.step} achieved ${s.achievedRatio}`);
    assert.equal(outWidth(join(out, `step-${s.step}`, 'student.onnx'), first), outWidth(teacher, first), `step ${s.step} cut ${first}`);
  }
  // soft cuts analyse the trained student again to cut it as planned: with the same nodes ignored
  const soft = newRun();
  const rs = await compress({ ...quick, epochsPerStep: 2, fadeEpochs: 1, teacher, out: soft, ratios: [0.5], ignore: [first] });
  assert.ok(Math.abs(rs.steps[0]!.achievedRatio - 0.5) <= 0.005, `soft cut achieved ${rs.steps[0]!.achievedRatio}`);
  assert.equal(outWidth(join(soft, 'student.onnx'), first), outWidth(teacher, first));
  const plainOut = newRun();
  await compress({ ...quick, epochsPerStep: 0, teacher, out: plainOut, ratios: [0.5, 0.5] });
  assert.ok(outWidth(join(plainOut, 'student.onnx'), first) < outWidth(teacher, first), 'without --ignore the first conv is cut');
  const fresh = newRun();
  const bad = runCli(['compress', '--teacher', teacher, '--data', DATA, '--ratios', '0.5', '--ignore', `${first},conv_nope`, '-o', fresh]);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr.trim(), /^.*--ignore: unknown node name 'conv_nope'$/m);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
  assert.equal(existsSync(fresh), false);
});
