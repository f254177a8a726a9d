import { mkdir, readdir } from 'node:fs/promises';
import { writeFileAtomic } from '../util/write-atomic.js';
import { WHITTLE_VERSION } from '../version.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { crossEntropy, manualSeed, noGrad, setNumThreads, torchVersion, type Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { countMacs } from '../exec/index.js';
import { loadOnnx, saveOnnx } from '../onnx/index.js';
import { openDataset } from '../data/index.js';
import { prune } from '../prune/index.js';
import { distillationLoss, evaluateGraph, fit, forward, toChannelsLast, type BatchInfo } from '../distill/index.js';
import { ConfigError } from '../errors.js';
import { checkModelFits } from './evaluate-model.js';
import { datasetOptions } from './dataset-options.js';
import type { CompressOptions } from '../options/compress.js';
import { modelMetadata } from './metadata.js';
import { resolveEpochs, resolveRatios } from './schedule.js';
import { TeacherCache } from './teacher-cache.js';
import type { CompressReport, StepReport } from './report.js';
import { renderHtml } from '../report/index.js';
import { basename } from 'node:path';

/** compress()'s options, declared once in src/options/compress.ts (the CLI flags and config keys come from there too). */
export type { CompressOptions };

export type CompressEvent =
  | { type: 'teacher'; params: number; macs: number; valAccuracy: number; testAccuracy: number }
  | { type: 'step-start'; step: number; of: number; targetRatio: number }
  | { type: 'pruned'; step: number; achievedRatio: number; params: number; macs: number }
  | { type: 'epoch-end'; step: number; epoch: number; trainLoss: number; valAccuracy: number; imagesPerSec: number }
  | { type: 'step-end'; step: number; report: StepReport };


async function prepareRunFolder(out: string): Promise<void> {
  if (existsSync(out) && (await readdir(out)).length > 0) {
    throw new ConfigError('out', `run folder ${out} already exists and is not empty`, 'choose a new -o folder (an existing run is never overwritten)');
  }
  await mkdir(out, { recursive: true });
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * The method: for each ratio r_i, prune the current student to r_i of its size (params or MACs), then distil it
 * from the teacher on the training split; the last student is the result. Writes step-K/student.onnx,
 * step-K/metrics.json, student.onnx, report.json and report.html into the run folder, and returns the report.
 */
export async function compress(o: CompressOptions): Promise<CompressReport> {
  const ratios = resolveRatios({ ...(o.ratios ? { ratios: o.ratios } : {}), ...(o.target !== undefined ? { target: o.target } : {}), ...(o.steps !== undefined ? { steps: o.steps } : {}) });
  const mode = o.mode ?? 'progressive';
  const plan = mode === 'oneshot' ? [ratios.reduce((a, b) => a * b, 1)] : ratios;
  const perStep = resolveEpochs(o.epochsPerStep ?? 2, ratios.length);
  const epochsPlan = mode === 'oneshot' ? [perStep.reduce((a, b) => a + b, 0)] : perStep;
  const alpha = o.alpha ?? 0.9;
  const temperature = o.temperature ?? 4;
  if (!(alpha >= 0 && alpha <= 1)) throw new ConfigError('alpha', `must be in [0, 1], got ${alpha}`);
  if (!(temperature > 0)) throw new ConfigError('temperature', `must be > 0, got ${temperature}`);
  const seed = o.seed ?? 0;
  const device = o.device ?? 'cpu';
  const metric = o.metric ?? 'params';
  await prepareRunFolder(o.out);
  setNumThreads(o.threads ?? 2);
  manualSeed(seed);
  const ds = await openDataset(o.data, datasetOptions(o));
  const teacher = typeof o.teacher === 'string' ? loadOnnx(o.teacher) : o.teacher;
  const emit = o.onEvent ?? (() => undefined);
  let student: Graph | null = null;
  let cache: TeacherCache | null = null;
  try {
    checkModelFits(teacher, ds, 'teacher');
    if (typeof o.teacher === 'string') toChannelsLast(teacher);
    const teacherVal = await evaluateGraph(teacher, ds, 'val', device);
    const teacherTest = await evaluateGraph(teacher, ds, 'test', device);
    const teacherInfo = { params: teacher.parameterCount(), macs: countMacs(teacher).total, valAccuracy: teacherVal.accuracy, testAccuracy: teacherTest.accuracy };
    emit({ type: 'teacher', ...teacherInfo });
    const distill = o.distill ?? true;
    const augment = o.augment === 'off' ? null : undefined;
    const useCache = distill && (o.teacherMode ?? 'original') === 'original' && (augment === null || ds.defaultAugment === null);
    if (useCache) cache = await TeacherCache.build(teacher, ds, device);
    student = teacher.clone();
    Object.assign(student.metadata, modelMetadata(ds));
    const steps: StepReport[] = [];
    for (let i = 0; i < plan.length; i++) {
      const step = i + 1;
      emit({ type: 'step-start', step, of: plan.length, targetRatio: plan[i]! });
      const t0 = process.hrtime.bigint();
      const previous: Graph = student;
      const pruned = prune(previous, { ratio: plan[i]!, metric, criterion: o.criterion ?? 'l1', roundTo: o.roundTo ?? 1, seed });
      const source = (o.teacherMode ?? 'original') === 'previous' ? previous : teacher;
      const next = pruned.graph;
      Object.assign(next.metadata, modelMetadata(ds));
      emit({ type: 'pruned', step, achievedRatio: pruned.achievedRatio, params: pruned.params.after, macs: pruned.macs.after });
      const lossFor = (logits: Tensor, y: Tensor, at: BatchInfo): Tensor => {
        if (!distill) return crossEntropy(logits, y);
        // the teacher only gives targets: no graph is recorded through it
        const t = cache ? cache.lookup(at.rows) : noGrad(() => forward(source, at.x, false));
        return distillationLoss(logits, t, y, { temperature, alpha });
      };
      const result = await fit(next, ds, {
        epochs: epochsPlan[i]!,
        batchSize: o.batchSize ?? 128,
        lr: o.lr ?? ((o.optimizer ?? 'sgd') === 'sgd' ? 0.02 : 0.001),
        optimizer: o.optimizer ?? 'sgd',
        weightDecay: o.weightDecay ?? 5e-4,
        seed: seed + step,
        device,
        ...(augment === null ? { augment: null } : {}),
        loss: lossFor,
        onEpoch: (e) => emit({ type: 'epoch-end', step, epoch: e.epoch, trainLoss: e.trainLoss, valAccuracy: e.valAccuracy, imagesPerSec: e.imagesPerSec }),
      });
      if (previous !== teacher) previous.dispose();
      student = next;
      const val = epochsPlan[i]! > 0 ? result.bestValAccuracy : (await evaluateGraph(next, ds, 'val', device)).accuracy;
      const test = await evaluateGraph(next, ds, 'test', device);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const images = result.epochs.reduce((n, e) => n + e.imagesPerSec * e.seconds, 0);
      const report: StepReport = {
        step, targetRatio: plan[i]!, achievedRatio: pruned.achievedRatio, params: pruned.params.after, macs: pruned.macs.after,
        valAccuracy: val, testAccuracy: test.accuracy, seconds, imagesPerSec: images / Math.max(1e-9, result.epochs.reduce((s, e) => s + e.seconds, 0)),
        epochs: result.epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, valAccuracy: e.valAccuracy })),
        groups: pruned.groups.map((g) => ({ name: g.name, kept: g.kept, total: g.total })),
        ...(result.stopped ? { stopped: result.stopped } : {}),
      };
      steps.push(report);
      const dir = join(o.out, `step-${step}`);
      await mkdir(dir, { recursive: true });
      await saveOnnx(next, join(dir, 'student.onnx'));
      await writeJson(join(dir, 'metrics.json'), report);
      emit({ type: 'step-end', step, report });
    }
    await saveOnnx(student, join(o.out, 'student.onnx'));
    const last = steps[steps.length - 1]!;
    const report: CompressReport = {
      teacher: teacherInfo,
      steps,
      final: { params: last.params, macs: last.macs, valAccuracy: last.valAccuracy, testAccuracy: last.testAccuracy, paramsRatio: last.params / teacherInfo.params, macsRatio: last.macs / teacherInfo.macs },
      config: {
        teacher: typeof o.teacher === 'string' ? o.teacher : '(graph)', data: o.data, mode, ratios, plan, metric, criterion: o.criterion ?? 'l1', roundTo: o.roundTo ?? 1,
        distill, temperature, alpha, teacherMode: o.teacherMode ?? 'original', epochsPerStep: epochsPlan, optimizer: o.optimizer ?? 'sgd',
        lr: o.lr ?? null, batchSize: o.batchSize ?? 128, weightDecay: o.weightDecay ?? 5e-4, augment: o.augment ?? 'default', teacherCache: useCache,
        seed, threads: o.threads ?? 2, device, trainSubset: o.trainSubset ?? null, valSize: o.valSize ?? null, imageSize: o.imageSize ?? null,
      },
      versions: { whittle: WHITTLE_VERSION, libtorch: torchVersion(), node: process.version },
    };
    await writeJson(join(o.out, 'report.json'), report);
    await writeFileAtomic(join(o.out, 'report.html'), renderHtml([{ name: basename(o.out), report }]));
    return report;
  } finally {
    cache?.dispose();
    if (student && student !== teacher) student.dispose();
    if (typeof o.teacher === 'string') teacher.dispose();
  }
}
