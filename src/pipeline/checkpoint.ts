import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTensors, saveTensors, type Tensor } from '../tensor/index.js';
import type { Graph } from '../graph/index.js';
import { loadOnnx, saveOnnx } from '../onnx/index.js';
import type { EpochResult, FitCheckpoint } from '../distill/index.js';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../util/write-atomic.js';
import type { StepReport, TeacherSummary } from './report.js';
import type { RemovedSlice } from '../prune/index.js';

const FILE = 'checkpoint.json';

/** What a step's pruning produced, kept so that a resumed step reports the same. */
export type PrunedInfo = Pick<StepReport, 'achievedRatio' | 'params' | 'macs' | 'groups' | 'cutValAccuracy' | 'latency'>;

/** A soft cut in progress (fadeEpochs > 0): the channels being faded, and the plan's per-unit survival for the cut. */
export type SoftCut = { slices: RemovedSlice[]; kept: number[] };

/** What a fit's state at an epoch end holds besides its tensors (those are in the folder `dir`). */
export type FitInProgress = {
  dir: string;
  /** The model's file in `dir` (absent in checkpoints written before it was recorded: student.onnx). */
  model?: string;
  epochs: EpochResult[];
  bestEpoch: number;
  bestValAccuracy: number;
  stopped?: string;
  optimizerStep: number;
};

/** Quantization-aware distillation in progress: the frozen activation ranges and the fit's state at its last epoch end. */
export type QatProgress = { ranges: Record<string, { lo: number; hi: number }>; current: FitInProgress | null };

/** A step in progress at an epoch end: the student and trainer state live in `dir`. */
export type StepInProgress = FitInProgress & {
  step: number;
  pruned: PrunedInfo;
  /** Present while the step's student is not cut yet (its soft cut's fade). */
  fade?: SoftCut;
  seconds: number;
};

/**
 * checkpoint.json in a run folder: the teacher's numbers, the finished steps (their students are step-K/student.onnx)
 * and the step in progress. It is replaced atomically, only after the files it names are complete, so a kill at any
 * moment leaves either the previous or the next checkpoint.
 */
export type Checkpoint = {
  format: 1; teacher: TeacherSummary; steps: StepReport[]; current: StepInProgress | null;
  /** --quantize int8, once every step is done: the quantization-aware epochs' frozen ranges and state. */
  qat?: QatProgress;
};

export const readCheckpoint = (out: string): Promise<Checkpoint | null> => readCheckpointFile<Checkpoint>(join(out, FILE), '--resume');

/** A checkpoint file of format 1 (null when there is none); another format is a ConfigError on the option `flag`. */
export async function readCheckpointFile<T extends { format: 1 }>(path: string, flag: string): Promise<T | null> {
  if (!existsSync(path)) return null;
  const c = JSON.parse(await readFile(path, 'utf8')) as T;
  if (c.format !== 1) throw new ConfigError(flag, `${path} has checkpoint format ${String(c.format)}, this whittle reads format 1`);
  return c;
}

/**
 * Writes a graph and a fit's state at an epoch end into the new folder `root/dir` (the graph as `model`, the
 * trainer's tensors as `trainer.pt`); returns what a checkpoint file records of it, for loadFitState.
 */
export async function saveFitState(root: string, dir: string, graph: Graph, fit: FitCheckpoint, model = 'student.onnx'): Promise<FitInProgress> {
  await rm(join(root, dir), { recursive: true, force: true });
  await mkdir(join(root, dir));
  await saveOnnx(graph, join(root, dir, model));
  const tensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(fit.optimizer.tensors)) tensors[`optimizer/${k}`] = t;
  for (const [k, t] of Object.entries(fit.best ?? {})) tensors[`best/${k}`] = t;
  fit.extra?.forEach((t, i) => (tensors[`extra/${i}`] = t));
  for (const [k, t] of Object.entries(fit.ema ?? {})) tensors[`ema/${k}`] = t;
  await saveTensors(join(root, dir, 'trainer.pt'), tensors);
  return {
    dir, model, epochs: fit.epochs, bestEpoch: fit.bestEpoch, bestValAccuracy: fit.bestValAccuracy,
    optimizerStep: fit.optimizer.step, ...(fit.stopped ? { stopped: fit.stopped } : {}),
  };
}

/** Writes the in-progress step's graph and trainer tensors to a new folder, then points checkpoint.json at it. */
export async function writeStepCheckpoint(out: string, base: Omit<Checkpoint, 'current' | 'format'>, graph: Graph, cur: Omit<StepInProgress, keyof FitInProgress>, fit: FitCheckpoint): Promise<void> {
  const state = await saveFitState(out, `checkpoint-${cur.step}-${fit.epochs.length}`, graph, fit);
  await writeCheckpoint(out, { ...base, current: { ...cur, ...state } });
}

/** Records finished steps only (after step-K/ is written) and drops older checkpoint folders. */
export async function writeCheckpoint(out: string, c: Omit<Checkpoint, 'format'>): Promise<void> {
  await writeFileAtomic(join(out, FILE), JSON.stringify({ format: 1, ...c }, null, 2) + '\n');
  await pruneCheckpointFolders(out, 'checkpoint-', c.current?.dir ?? c.qat?.current?.dir ?? null);
}

/** Removes the checkpoint once the run is complete. */
export async function removeCheckpoint(out: string): Promise<void> {
  await rm(join(out, FILE), { force: true });
  await pruneCheckpointFolders(out, 'checkpoint-', null);
}

/** Removes the folders in `root` named `prefix...` but `keep` (the one the checkpoint file now names). */
export async function pruneCheckpointFolders(root: string, prefix: string, keep: string | null): Promise<void> {
  for (const name of await readdir(root)) {
    if (name.startsWith(prefix) && name !== keep) await rm(join(root, name), { recursive: true, force: true });
  }
}

/** The graph and the trainer state fit() resumes from, as saveFitState wrote them (the caller disposes both). */
export function loadFitState(root: string, cur: FitInProgress): { graph: Graph; fit: FitCheckpoint } {
  const graph = loadOnnx(join(root, cur.dir, cur.model ?? 'student.onnx'));
  const all = loadTensors(join(root, cur.dir, 'trainer.pt'));
  const pick = (prefix: string): Record<string, Tensor> =>
    Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
  const best = pick('best/');
  const ema = pick('ema/');
  const extra = Object.entries(pick('extra/')).sort(([a], [b]) => Number(a) - Number(b)).map(([, t]) => t);
  return {
    graph,
    fit: {
      epochs: cur.epochs, bestEpoch: cur.bestEpoch, bestValAccuracy: cur.bestValAccuracy,
      optimizer: { step: cur.optimizerStep, tensors: pick('optimizer/') },
      best: Object.keys(best).length ? best : null, ...(cur.stopped ? { stopped: cur.stopped } : {}),
      ...(extra.length ? { extra } : {}),
      ...(Object.keys(ema).length ? { ema } : {}),
    },
  };
}
