import { mkdir, readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../util/write-atomic.js';
import { makeFolder } from '../util/make-folder.js';
import { WHITTLE_VERSION } from '../version.js';
import { manualSeed, setNumThreads, torchVersion, type Precision, type Tensor } from '../tensor/index.js';
import { startPrecision } from './precision.js';
import { foldBatchNorm, insertedBatchNorms, type Graph } from '../graph/index.js';
import { countMacs, type ModelInput } from '../exec/index.js';
import { loadOnnx, saveOnnx, toOnnxBytes } from '../onnx/index.js';
import { BatchLoader, openDataset, type Dataset } from '../data/index.js';
import { checkIgnored, checkWidths, cuttable, prune, removedSlices } from '../prune/index.js';
import { analysisOf, asWidthsOf, checkStepsReachWidths, stepPruneOptions, widthsOf } from './widths-of.js';
import { cutAsPlanned, cutOptimizerState, fadeChannels, keptChannelsAsPlanned } from './fade.js';
import type { OptimizerState } from '../optim/index.js';
import {
  AbortedError, FeatureDistiller, TeacherOutputs, checkHasValidation, reinsertBatchNorm, batchOnDevice, evaluateShared, fit, measureHeads, metricsByOutput, snapshot, checkViews, toChannelsLast, type BatchInfo, type DataParallel, type FitCheckpoint, type FitResult, type TrainOptions,
} from '../distill/index.js';
import { headsFor, ignoredLabels, studentHeads } from './heads.js';
import { describeHeads, isLabelledClassifier, scoreName, scoresWithLabels, selectionScore, type Head, type HeadMetrics } from '../task/index.js';
import { normalizedFor, teacherWarnings } from './normalization.js';
import { datasetOptions, modelImageSize, openOptionsFor } from './dataset-options.js';
import { labelWarnings, modelMetadata } from './metadata.js';
import { TeacherCache } from './teacher-cache.js';
import { measureFootprints } from './footprint.js';
import type { FedShape } from './timing-feeds.js';
import { checkQuantizable, QAT_ACTIVATIONS, type QatResult } from './qat.js';
import { quantizeAware } from './compress-qat.js';
import { classicBatchLoss, headsBatchLoss } from './batch-loss.js';
import { int8Summary } from './int8-summary.js';
import { refuseQuantized } from './quantize.js';
import { LATENCY_TOLERANCE, measureLatencyTable, pruneToLatency, readLatencyTable, runtimeMeter, saveLatencyTable, smallestLatency, type LatencyMeter } from './latency.js';
import type { LatencyTable } from '../prune/index.js';
import { checkNewRunFolder, datasetSettings, defaultConfigFor, floatEpochsOf, readRunConfig, resolveConfig, type RunConfig } from './run-config.js';
import type { CompressOptions } from '../options/compress.js';
import { loadFitState, readCheckpoint, removeCheckpoint, writeCheckpoint, writeStepCheckpoint, type Checkpoint, type PrunedInfo, type QatProgress, type SoftCut } from './checkpoint.js';
import type { CompressReport, DataSummary, StepReport, TeacherSummary } from './report.js';
import type { CompressEvent, PassName } from '../options/events.js';
import { renderHtml } from '../report/index.js';

/** compress()'s options, declared once in src/options/compress.ts (the CLI flags and config keys come from there too). */
export type { CompressOptions, CompressEvent, PassName };

/**
 * The options plus, in a data-parallel run, this rank's process group: every rank calls compress with the same
 * options and trains its shard of each batch; only rank 0 writes the run folder. Resuming reads the run folder on
 * every rank (one machine, or a shared folder).
 */
export type RankOptions = CompressOptions & { parallel?: DataParallel };

type Started = { out: string; config: RunConfig; checkpoint: Checkpoint | null; done: CompressReport | null };

/** Validates everything a new run needs before its folder is made, then writes run.json (and teacher.onnx for a graph). */
async function startRun(o: RankOptions): Promise<Started> {
  if (o.teacher === undefined) throw new ConfigError('teacher', 'is required (or resume an earlier run)');
  if (o.out === undefined) throw new ConfigError('out', 'is required: the run folder to write');
  if (o.data === undefined) throw new ConfigError('data', 'is required (e.g. fashion-mnist, folder:DIR)');
  const studentPath = o.student === undefined ? null : typeof o.student === 'string' ? o.student : join(o.out, 'student-0.onnx');
  const config = resolveConfig(typeof o.teacher === 'string' ? o.teacher : join(o.out, 'teacher.onnx'), { ...o, data: o.data }, studentPath);
  if (o.widthsOf !== undefined) config.widths = widthsOf(o.widthsOf, analysisOf(config));
  // each process would time its own students and choose differently
  if (config.metric === 'latency' && (o.parallel?.worldSize ?? 1) > 1) throw new ConfigError('metric', 'latency is measured by one process, and this run has several', 'run --metric latency without --nproc (or --world-size 1)');
  if ((o.parallel?.rank ?? 0) !== 0) return { out: o.out, config, checkpoint: null, done: null };
  await checkNewRunFolder(o.out);
  const models: [string | Graph, string, string][] = [[o.teacher, config.teacher, 'teacher'], ...(o.student !== undefined ? [[o.student, studentPath!, 'student'] as [Graph | string, string, string]] : [])];
  const loaded: Graph[] = [];
  try {
    const graphs = models.map(([m]) => {
      const g = typeof m === 'string' ? loadOnnx(m) : m;
      if (typeof m === 'string') loaded.push(g);
      return g;
    });
    // the first student (the teacher's copy unless --student) is pruned and trained: not an int8 file (a teacher may be)
    refuseQuantized(graphs[graphs.length - 1]!, models[models.length - 1]![2], 'prune or train');
    // a folder dataset's images are resized to the teacher's input unless --image-size says otherwise
    config.imageSize ??= modelImageSize(graphs[0]!, config.data);
    const opened = await openDataset(config.data, openOptionsFor(graphs[0]!, config.data, datasetOptions(datasetSettings(config))));
    checkHasValidation(opened);
    checkViews(config.teacherViews, opened, 'teacherViews');
    const heads = headsFor(graphs[0]!, opened, config);
    if (graphs[1]) studentHeads(graphs[1], opened, heads);
    // a model quantization cannot take is refused first, then what the quantization-aware epochs cannot train
    if (config.quantize === 'int8') checkQuantizable(graphs[graphs.length - 1]!);
    checkTaskSettings(heads, config);
    normalizedFor(opened, config, graphs[0]!, 'teacher');
    // --ignore names nodes of the first model pruned (--student, else the teacher: the last in the list); a typo is
    // caught here, before the run folder is made
    checkIgnored(graphs[graphs.length - 1]!, config.ignore);
    const widths = config.widths;
    if (widths) {
      asWidthsOf(() => checkWidths(graphs[graphs.length - 1]!, widths, config.ignore, analysisOf(config)));
      checkStepsReachWidths(graphs[graphs.length - 1]!, config);
    }
    const latency = config.metric === 'latency' ? await firstLatencyTable(graphs[graphs.length - 1]!, config, opened) : null;
    await makeFolder(o.out).catch((e: NodeJS.ErrnoException) => {
      throw new ConfigError('out', `cannot make ${o.out} (${e.code ?? e.message})`, 'choose an -o folder you can write to');
    });
    for (const [m, path] of models) if (typeof m !== 'string') await saveOnnx(m, path);
    if (latency) await saveLatencyTable(o.out, latency);
    await writeFileAtomic(join(o.out, 'run.json'), JSON.stringify(config, null, 2) + '\n');
  } finally {
    for (const g of loaded) g.dispose();
  }
  return { out: o.out, config, checkpoint: null, done: null };
}

/** The meter --metric latency measures with: the run's runtime, batch and threads, on the dataset's images or inputs. */
const meterFor = (c: RunConfig, fed: FedShape): LatencyMeter => runtimeMeter(c.runtime, { batch: c.latencyBatch, threads: c.latencyThreads, fed });

/**
 * --metric latency, before the run folder is made: the first student's latency table; with --target-latency, the
 * check that the smallest allowed student reaches it, and the steps' ratios of latency.
 */
async function firstLatencyTable(g: Graph, c: RunConfig, fed: FedShape): Promise<LatencyTable & { meter: string }> {
  if (c.widths) throw new ConfigError('widthsOf', 'gives the widths, and --metric latency solves for them', 'drop one of --widths-of and --metric latency');
  const meter = meterFor(c, fed);
  const table = await measureLatencyTable(g, meter, { roundTo: c.roundTo, ignore: c.ignore });
  if (c.targetLatency !== null) {
    const least = await smallestLatency(g, meter, { roundTo: c.roundTo, ignore: c.ignore });
    if (c.targetLatency < least * (1 - LATENCY_TOLERANCE)) {
      throw new ConfigError('targetLatency', `${c.targetLatency} ms cannot be reached: the smallest student allowed (every channel group at ${c.roundTo} channels) runs in ${least.toFixed(3)} ms on ${meter.key}`, `ask for at least ${least.toFixed(3)} ms, or a smaller --round-to`);
    }
    const r = Math.min(1, c.targetLatency / table.baseMs);
    c.ratios = c.ratios.map(() => r ** (1 / c.ratios.length));
    c.plan = c.mode === 'oneshot' ? [r] : [...c.ratios];
  }
  return { ...table, meter: meter.key };
}

/** A stopped run's settings, but for `threads`, which go with the machine it goes on on when given. */
async function resumeRun(out: string, threads: number | undefined): Promise<Started> {
  const config = await readRunConfig(out);
  if (threads !== undefined) config.threads = threads;
  const checkpoint = await readCheckpoint(out);
  const done = checkpoint === null ? await readFinished(out) : null;
  return { out, config, checkpoint, done };
}

async function readFinished(out: string): Promise<CompressReport | null> {
  try {
    return JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as CompressReport;
  } catch {
    return null;
  }
}

/** A few batches of training data for Taylor or activation importance at a step (seeded, un-augmented). */
function taylorBatches(ds: Dataset, c: RunConfig, step: number): () => Iterable<{ x: ModelInput; y: Tensor }> {
  const loader = BatchLoader.of(ds, 'train', { batchSize: Math.min(64, c.batchSize), seed: c.seed + step, augment: null });
  const n = Math.min(c.criterion === 'activation' ? c.calibrationBatches ?? 8 : c.taylorBatches, loader.batchesPerEpoch);
  return function* () {
    for (let i = 0; i < n; i++) yield batchOnDevice(loader.batchAt(0, i), c.device);
  };
}

/**
 * The method: for each ratio r_i, prune the current student to r_i of its size (params or MACs), then distil it
 * from the teacher on the training split; the last student is the result. Writes run.json, step-K/student.onnx,
 * step-K/metrics.json, student.onnx, report.json and report.html into the run folder, and returns the report.
 * A checkpoint is written at every epoch end; `resume` continues a stopped run to the same result.
 */
export async function compress(o: RankOptions): Promise<CompressReport> {
  const started = o.resume !== undefined ? await resumeRun(o.resume, o.threads) : await startRun(o);
  const par = o.parallel;
  // the other ranks go on once rank 0 has made the run folder (teacher.onnx included) or failed to
  par?.sum([0]);
  if (started.done) return started.done;
  const c = started.config;
  setNumThreads(c.threads);
  const { restore, ...precision } = startPrecision(c.precision, c.device, par);
  o.onEvent?.({ type: 'precision', ...precision });
  try {
    return await run(o, started, precision.precision);
  } finally {
    restore();
  }
}

/** compress() once the run folder is there and the engine set up. */
async function run(o: RankOptions, started: Started, precision: Precision): Promise<CompressReport> {
  const par = o.parallel;
  const main = (par?.rank ?? 0) === 0;
  const { out, config: c } = started;
  const emit = o.onEvent ?? (() => undefined);
  const check = (where: string): void => {
    if (o.signal?.aborted) throw new AbortedError(where, `continue with: whittle compress --resume ${out}`);
  };
  manualSeed(c.seed);
  const teacher = loadOnnx(c.teacher);
  c.imageSize ??= modelImageSize(teacher, c.data);
  // fed as the teacher was trained: --mean/--std, else its whittle.preprocess, else the dataset's statistics
  const ds = normalizedFor(await openDataset(c.data, openOptionsFor(teacher, c.data, datasetOptions(datasetSettings(c)))), c, teacher, 'teacher');
  let student: Graph | null = null;
  let cache: TeacherCache | null = null;
  let reference: Graph | null = null;
  // the teacher's values on the validation and test splits, computed once per run for measuring the students
  const budget = { bytes: c.teacherCacheMemory * 2 ** 20 };
  const held = { val: new TeacherOutputs(budget), test: new TeacherOutputs(budget) };
  try {
    const heads = headsFor(teacher, ds, c);
    checkTaskSettings(heads, c);
    // a labelled classifier trains and is scored as before tasks (accuracy picks the epochs); any other run by its heads
    const classic = isLabelledClassifier(heads) && heads[0]!.loss === 'kl';
    emit({ type: 'tasks', heads: describeHeads(heads), score: classic ? 'accuracy' : scoreName(heads), ...(c.labels === 'ignore' ? { labels: ignoredLabels(heads, ds) } : {}) });
    toChannelsLast(teacher);
    const passEvents = (pass: PassName) => (done: number, of: number): void => emit({ type: 'pass', pass, index: done - 1, of });
    const teacherInfo = started.checkpoint?.teacher ?? await summarizeTeacher(teacher, ds, c.device, par, passEvents, classic ? null : heads);
    emit({ type: 'teacher', ...teacherInfo });
    const warnings = [...ds.warnings, ...labelWarnings(teacher, ds, 'teacher'), ...(classic ? teacherWarnings(teacherInfo.valAccuracy, ds) : [])];
    for (const message of warnings) emit({ type: 'warning', message });
    const hintPairs = c.hintLayers ?? (c.featureDistill === 'auto' ? 'auto' : null);
    const useCache = c.distill && !hintPairs && c.teacherMode === 'original' && (c.augment === 'off' || ds.defaultAugment === null);
    const steps: StepReport[] = [...(started.checkpoint?.steps ?? [])];
    if (main) await writeCheckpoint(out, { teacher: teacherInfo, steps, current: started.checkpoint?.current ?? null, ...(started.checkpoint?.qat ? { qat: started.checkpoint.qat } : {}) });
    if (useCache) cache = await TeacherCache.build(teacher, ds, { device: c.device, views: c.teacherViews, heads, parallel: par, memoryBytes: c.teacherCacheMemory * 2 ** 20, spillDir: out, onBatch: passEvents('teacher-cache') });
    student = steps.length ? loadOnnx(join(out, `step-${steps.length}`, 'student.onnx')) : c.student !== null ? loadOnnx(c.student) : teacher.clone();
    if (!steps.length && c.student !== null) toChannelsLast(student);
    // the student's values that the heads read (another architecture may name them otherwise than the teacher)
    const sHeads = c.student !== null || steps.length ? studentHeads(student, ds, heads) : heads;
    // every rank measures its share of the split (a collective): each calls these at the same points
    const measure = (g: Graph, split: 'val' | 'test'): Promise<HeadMetrics[]> => measureHeads(g, teacher, ds, split, sHeads, { device: c.device, teacherHeads: heads, views: c.teacherViews, teacherOutputs: held[split], ...(par ? { parallel: par } : {}) });
    const scoreOn = (g: Graph, split: 'val' | 'test'): Promise<number> => measure(g, split).then((m) => selectionScore(heads, m));
    if (!steps.length) {
      // an exporter stores equal tensors once; layers cut differently need their own (and fade slices name them)
      const u = cuttable(student, analysisOf(c));
      if (u.untied.length) {
        student.dispose();
        student = u.graph;
        emit({ type: 'untied', names: u.untied, params: student.parameterCount() });
      }
    }
    Object.assign(student.metadata, modelMetadata(ds));
    // students are timed beside the first student, the model the table was measured on
    const latency = c.metric === 'latency' ? { table: await readLatencyTable(out), meter: meterFor(c, ds), reference: (reference = c.student !== null ? loadOnnx(c.student) : teacher) } : null;
    for (let i = steps.length; i < c.plan.length; i++) {
      const step = i + 1;
      check(`the start of step ${step}`);
      const t0 = process.hrtime.bigint();
      const cur = started.checkpoint?.current?.step === step ? started.checkpoint.current : null;
      emit({ type: 'step-start', step, of: c.plan.length, targetRatio: c.plan[i]!, epochs: c.epochsPerStep[i]! });
      let next: Graph;
      let pruned: PrunedInfo;
      let resume: FitCheckpoint | undefined;
      // a soft cut (fadeEpochs > 0) trains the uncut student while fading out what the plan removes, then cuts
      let fade: SoftCut | undefined;
      // the epochs trained here, in float: with --quantize int8 the last step's final ones are quantization-aware (below)
      const epochs = floatEpochsOf(c, i);
      const stepEpochs = c.epochsPerStep[i]!;
      if (cur) {
        ({ graph: next, fit: resume } = loadFitState(out, cur));
        pruned = cur.pruned;
        fade = cur.fade;
        emit({ type: 'resumed', step, epoch: cur.epochs.length, of: stepEpochs });
      } else {
        // BatchNorm after bare convs before pruning, so that pruning cuts it with its conv and training renormalises
        // each kept channel to its pre-pruning statistics, as a model trained with BN does (folded back after fit).
        reinsertBatchNorm(student, ds, c.reinsertBn, { device: c.device, seed: c.seed + step });
        const options = {
          ...stepPruneOptions(c, i, steps.length ? Object.fromEntries(steps[0]!.groups.map((g) => [g.name, g.total])) : null), criterion: c.criterion, seed: c.seed,
          ...(c.criterion === 'taylor' || c.criterion === 'activation' ? { batches: taylorBatches(ds, c, step) } : {}),
        };
        // --metric latency: the step's target is a latency in ms, the first student's times the ratios so far
        const cut = latency ? await pruneToLatency(student, options, latency.table, latency.table.baseMs * c.plan.slice(0, i + 1).reduce((a, b) => a * b, 1), latency.meter, latency.reference) : null;
        const r = cut ? cut.result : prune(student, options);
        if (cut && Math.abs(cut.measuredMs - cut.requestedMs) > LATENCY_TOLERANCE * cut.requestedMs) {
          emit({ type: 'warning', message: `step ${step}: no student within ${100 * LATENCY_TOLERANCE}% of ${cut.requestedMs.toFixed(3)} ms in ${cut.tries} tries; kept the closest, ${cut.measuredMs.toFixed(3)} ms (a busy machine, or channel steps of --round-to ${c.roundTo} too coarse)` });
        }
        // the drop the cut alone causes, before training wins it back (the report draws both)
        const cutVal = classic ? (await evaluateShared(r.graph, ds, 'val', c.device, par)).accuracy : await scoreOn(r.graph, 'val');
        pruned = { achievedRatio: r.achievedRatio, params: r.params.after, macs: r.macs.after, groups: r.groups.map((g) => ({ name: g.name, kind: g.kind, kept: g.kept, total: g.total })), cutValAccuracy: cutVal, ...(cut ? { latency: { requestedMs: cut.requestedMs, measuredMs: cut.measuredMs } } : {}) };
        if (c.fadeEpochs > 0 && epochs > 0) {
          fade = { slices: removedSlices(r.plan), kept: Array.from(r.plan.kept) };
          r.graph.dispose();
          next = student.clone();
        } else {
          next = r.graph;
        }
      }
      Object.assign(next.metadata, modelMetadata(ds));
      emit({ type: 'pruned', step, achievedRatio: pruned.achievedRatio, params: pruned.params, macs: pruned.macs, ...(pruned.latency ? { latency: pruned.latency } : {}) });
      const source = c.teacherMode === 'previous' ? student : teacher;
      // For training only: the re-inserted BatchNorms (folded back after fit) and hint adapters (dropped after fit).
      const insertedBn = insertedBatchNorms(next);
      const hints = hintPairs ? FeatureDistiller.create(source, next, ds, { pairs: hintPairs, weight: c.hintWeight, device: c.device, seed: c.seed + step }) : null;
      const plainLoss = classic ? classicBatchLoss(c, source, cache) : headsBatchLoss(c, heads, sHeads, source, source === teacher ? heads : sHeads, cache);
      const lossFor = (logits: Tensor, y: Tensor, at: BatchInfo): Tensor => {
        if (classic && hints) return hints.loss(logits, y, at.x, at.values, c.distill ? { temperature: c.temperature, alpha: c.alpha } : null);
        return plainLoss(logits, y, at);
      };
      const before = cur?.seconds ?? 0;
      const elapsed = (): number => before + Number(process.hrtime.bigint() - t0) / 1e9;
      // the options of every fit of this step; a fit that fails frees its graph and says how to continue
      const train = (g: Graph, from: FitCheckpoint | undefined, phase: Partial<TrainOptions>, fading: SoftCut | undefined): Promise<FitResult> => fit(g, ds, {
        epochs, batchSize: c.batchSize, lr: c.lr, optimizer: c.optimizer, weightDecay: c.weightDecay, momentum: c.momentum, seed: c.seed + step, device: c.device,
        ...(c.clipNorm !== null ? { clipNorm: c.clipNorm } : {}),
        ...(c.ema !== null ? { ema: c.ema } : {}),
        ...(c.patience !== null ? { patience: c.patience } : {}),
        ...(c.warmupSteps !== null ? { warmupSteps: c.warmupSteps } : {}),
        schedule: c.schedule,
        ...(c.augment === 'off' ? { augment: null } : {}),
        loss: lossFor,
        ...(hints ? { extraParams: hints.parameters(), extraOutputs: hints.studentValues } : {}),
        ...(classic ? {} : { extraOutputs: sHeads.map((h) => h.value), validate: (v: Graph) => scoreOn(v, 'val') }),
        ...(from ? { resume: from } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        onBatch: (b) => emit({ type: 'batch', step, ...b }),
        onEpoch: (e) => emit({ type: 'epoch-end', step, epoch: e.epoch, epochs: stepEpochs, trainLoss: e.trainLoss, valAccuracy: e.valAccuracy, imagesPerSec: e.imagesPerSec }),
        ...(main ? { onCheckpoint: (fc: FitCheckpoint) => writeStepCheckpoint(out, { teacher: teacherInfo, steps }, g, { step, pruned, seconds: elapsed(), ...(fading ? { fade: fading } : {}) }, fc) } : {}),
        ...(par ? { parallel: par } : {}),
        ...phase,
      }).catch((e: unknown) => {
        g.dispose();
        if (e instanceof AbortedError) throw new AbortedError(`step ${step}, ${e.where}`, `continue with: whittle compress --resume ${out}`);
        throw e;
      }).finally(() => disposeFitCheckpoint(from));
      let result: FitResult;
      if (fade) {
        // a soft cut: fade on the uncut student until the end of the epoch the fade ends in, cut it and its
        // optimizer state there, and train the rest of the step's epochs on the cut student
        const cutAt = Math.ceil(c.fadeEpochs);
        const first = await train(next, resume, { until: cutAt, selectFrom: cutAt, ema: 0, afterUpdate: fadeChannels(next, fade.slices, c.fadeEpochs / epochs, c.device) }, fade);
        // hint adapters lose the input columns of their student values' cut channels, as does their optimizer state
        const hintKept = hints ? keptChannelsAsPlanned(next, fade.kept, hints.studentValues, analysisOf(c)) : [];
        const state = cutOptimizerState(first.state!, next, fade.kept, analysisOf(c), hints ? hints.cutters(hintKept) : []);
        disposeState(first.state);
        hints?.cut(hintKept);
        const cut = cutAsPlanned(next, fade.kept, analysisOf(c));
        next.dispose();
        next = cut;
        if (first.stopped || cutAt >= epochs) {
          disposeState(state);
          result = first;
        } else {
          const from: FitCheckpoint = { epochs: first.epochs, bestEpoch: first.bestEpoch, bestValAccuracy: first.bestValAccuracy, optimizer: state, best: Object.fromEntries(snapshot(next)) };
          // epochs before the cut are not eligible already: the only one kept is cutAt's, the start of this fit
          result = await train(next, from, {}, undefined);
        }
      } else {
        result = await train(next, resume, {}, undefined);
      }
      hints?.dispose();
      foldBatchNorm(next, insertedBn);
      if (insertedBn.length) pruned = { ...pruned, params: next.parameterCount() }; // the saved, folded student's count
      const val = epochs > 0 ? result.bestValAccuracy : classic ? (await evaluateShared(next, ds, 'val', c.device, par)).accuracy : await scoreOn(next, 'val');
      // fidelity to the teacher and task metrics against labels on the held-out split, for every run; the score is
      // a labelled classifier's accuracy (its one head's task metric), else the heads' selection score
      const onTest = await measure(next, 'test');
      const test = { accuracy: selectionScore(heads, onTest) };
      const trainSeconds = result.epochs.reduce((s, e) => s + e.seconds, 0);
      const report: StepReport = {
        step, targetRatio: c.plan[i]!, ...pruned, valAccuracy: val, testAccuracy: test.accuracy, seconds: elapsed(),
        imagesPerSec: result.epochs.reduce((n, e) => n + e.imagesPerSec * e.seconds, 0) / Math.max(1e-9, trainSeconds),
        epochs: result.epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, valAccuracy: e.valAccuracy })),
        ...(result.stopped ? { stopped: result.stopped } : {}),
        ...(insertedBn.length ? { batchNormInserted: insertedBn.length } : {}),
        ...(hints ? { hints: [...hints.pairs] } : {}),
        ...metricsByOutput(heads, onTest),
      };
      const dir = join(out, `step-${step}`);
      // The next step starts from the file just written, as a resumed run does: both go on from the same bytes
      // (the other ranks of a data-parallel run from the same bytes in memory).
      const bytes = toOnnxBytes(next);
      if (main) {
        await mkdir(dir, { recursive: true });
        await writeFileAtomic(join(dir, 'student.onnx'), bytes);
        await writeFileAtomic(join(dir, 'metrics.json'), JSON.stringify(report, null, 2) + '\n');
      }
      next.dispose();
      steps.push(report);
      if (main) await writeCheckpoint(out, { teacher: teacherInfo, steps, current: null });
      if (student !== teacher) student.dispose();
      student = loadOnnx(bytes);
      emit({ type: 'step-end', step, report });
    }
    let qat: QatResult | null = null;
    let final: FinalStudent | null = null;
    if (c.quantize === 'int8') {
      check('the start of the quantization-aware epochs');
      const save = main ? (p: QatProgress) => writeCheckpoint(out, { teacher: teacherInfo, steps, current: null, qat: p }) : null;
      qat = await quantizeAware(o, { out, config: c, progress: started.checkpoint?.qat ?? null, save }, student, ds, teacher, cache, classic ? null : { heads, sHeads, score: (g) => scoreOn(g, 'val') });
      // the run's student is the last step's, trained through its quantization-aware epochs (BatchNorm folded), read
      // back from its bytes as a saved model is
      if (student !== teacher) student.dispose();
      student = loadOnnx(toOnnxBytes(qat.float));
      qat.float.dispose();
      Object.assign(student.metadata, modelMetadata(ds));
      const onTest = await measure(student, 'test');
      final = {
        // folding BatchNorm leaves the convs' MACs as they were (BatchNorm's are not counted)
        params: student.parameterCount(), macs: steps[steps.length - 1]!.macs, testAccuracy: selectionScore(heads, onTest), ...metricsByOutput(heads, onTest),
        valAccuracy: classic ? (await evaluateShared(student, ds, 'val', c.device, par)).accuracy : await scoreOn(student, 'val'),
      };
    }
    const report = finalReport(c, teacherInfo, dataSummary(ds, warnings), steps, { teacherCache: useCache, ...(cache?.spilled ? { teacherCacheSpilled: true } : {}) }, par?.worldSize ?? 1, precision, final);
    report.tasks = heads.map((h) => ({ output: h.output, task: h.task, loss: h.loss, labelled: h.labelled, ...(h.labelled && h.labelLoss ? { labelLoss: h.labelLoss } : {}), ...(!h.labelled && scoresWithLabels(h) ? { scored: true } : {}), shape: h.shape.map(String) }));
    report.score = classic ? 'accuracy' : scoreName(heads);
    if (main) {
      await saveOnnx(student, join(out, 'student.onnx'));
      const floatBytes = await readFile(join(out, 'student.onnx'));
      if (qat) await writeFileAtomic(join(out, 'student.int8.onnx'), qat.bytes);
      const teacherBytes = await readFile(c.teacher);
      report.footprint = await measureFootprints({ graph: teacher, bytes: teacherBytes }, { graph: student, bytes: floatBytes }, ds, 300, qat ? { graph: student, bytes: qat.bytes } : null);
      if (qat) {
        const before = floatEpochsOf(c, c.plan.length - 1);
        const scored = classic ? null : { teacher: teacherBytes, heads, studentHeads: sHeads };
        report.int8 = await int8Summary(qat.bytes, floatBytes, student, ds, { valAccuracy: qat.valAccuracy, quantized: qat.layers, activations: QAT_ACTIVATIONS, epochs: qat.epochs.map((e) => ({ epoch: before + e.epoch, trainLoss: e.trainLoss, valAccuracy: e.valAccuracy })) }, 1, scored);
        emit({ type: 'qat-end', int8: report.int8 });
      }
      await writeFileAtomic(join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
      await writeFileAtomic(join(out, 'report.html'), renderHtml([{ name: basename(out), report, defaults: defaultConfigFor(c) }]));
      await removeCheckpoint(out);
    }
    return report;
  } finally {
    cache?.dispose();
    held.val.dispose();
    held.test.dispose();
    if (reference && reference !== teacher) reference.dispose();
    if (student && student !== teacher) student.dispose();
    teacher.dispose();
  }
}

function disposeState(s: OptimizerState | undefined): void {
  for (const t of Object.values(s?.tensors ?? {})) t.dispose();
}

function disposeFitCheckpoint(f: FitCheckpoint | undefined): void {
  if (!f) return;
  for (const t of [...Object.values(f.optimizer.tensors), ...Object.values(f.best ?? {}), ...(f.extra ?? []), ...Object.values(f.ema ?? {})]) t.dispose();
}

type PassProgress = (pass: PassName) => (done: number, of: number) => void;

/**
 * The teacher's size and scores: accuracy for a labelled classifier (`heads` null); else its selection score (1 for
 * fidelity to itself, task metrics where labelled) and its task metrics against the labels on the test split.
 */
async function summarizeTeacher(teacher: Graph, ds: Dataset, device: string, par: DataParallel | undefined, progress: PassProgress, heads: Head[] | null): Promise<TeacherSummary> {
  const size = { params: teacher.parameterCount(), macs: countMacs(teacher).total };
  if (!heads) {
    const val = await evaluateShared(teacher, ds, 'val', device, par, progress('teacher-val'));
    const test = await evaluateShared(teacher, ds, 'test', device, par, progress('teacher-test'));
    return { ...size, valAccuracy: val.accuracy, testAccuracy: test.accuracy };
  }
  const shared = par ? { parallel: par } : {};
  const val = await measureHeads(teacher, teacher, ds, 'val', heads, { device, ...shared, onBatch: progress('teacher-val') });
  const test = await measureHeads(teacher, teacher, ds, 'test', heads, { device, ...shared, onBatch: progress('teacher-test') });
  const { metrics } = metricsByOutput(heads, test);
  return { ...size, valAccuracy: selectionScore(heads, val), testAccuracy: selectionScore(heads, test), ...(metrics ? { metrics } : {}) };
}

/** Settings that only fit classifiers: mirror-image views and feature hints. */
function checkTaskSettings(heads: readonly Head[], c: RunConfig): void {
  const other = heads.find((h) => h.task !== 'classify');
  if (!other) return;
  if (c.teacherViews === 'flip') throw new ConfigError('teacherViews', `'flip' averages class logits over mirror images, and output '${other.output}' is ${other.task}`, 'leave it off (the default)');
  if (c.featureDistill !== 'off') throw new ConfigError(c.hintLayers ? 'hintLayers' : 'featureDistill', `feature hints go with a classifier's logits, and output '${other.output}' is ${other.task}`, 'leave feature distillation off');
}

function dataSummary(ds: Dataset, warnings: string[]): DataSummary {
  return { spec: ds.spec, classes: ds.classes, shape: [...ds.shape], storedChannels: ds.storedChannels, mean: ds.mean, std: ds.std, statsSource: ds.statsSource, warnings };
}

/** The run's student measured after the quantization-aware epochs, when it is not the last step's. */
type FinalStudent = Pick<StepReport, 'params' | 'macs' | 'valAccuracy' | 'testAccuracy' | 'fidelity' | 'metrics'>;

function finalReport(c: RunConfig, teacher: TeacherSummary, data: DataSummary, steps: StepReport[], cache: { teacherCache: boolean; teacherCacheSpilled?: boolean }, worldSize: number, precision: Precision, final: FinalStudent | null): CompressReport {
  const last = final ?? steps[steps.length - 1]!;
  return {
    teacher,
    data,
    steps,
    final: {
      params: last.params, macs: last.macs, valAccuracy: last.valAccuracy, testAccuracy: last.testAccuracy, paramsRatio: last.params / teacher.params, macsRatio: last.macs / teacher.macs,
      ...(last.fidelity ? { fidelity: last.fidelity } : {}), ...(last.metrics ? { metrics: last.metrics } : {}),
    },
    config: { ...c, ...cache, worldSize },
    precision,
    versions: { whittle: WHITTLE_VERSION, libtorch: torchVersion(), node: process.version },
  };
}
