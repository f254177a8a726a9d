import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScheduleName } from '../optim/index.js';
import type { Graph } from '../graph/index.js';
import { loadOnnx } from '../onnx/index.js';
import type { TeacherSource } from './teacher-model.js';
import type { FitCheckpoint } from '../distill/index.js';
import { writeFileAtomic } from '../util/write-atomic.js';
import { makeFolder } from '../util/make-folder.js';
import { loadFitState, pruneCheckpointFolders, readCheckpointFile, saveFitState, type FitInProgress } from './checkpoint.js';

/** train-teacher's settings as a checkpoint keeps them: every one that the result depends on. */
export type TeacherSettings = TeacherSource & {
  data: string; epochs: number; seed: number; batchSize: number; lr?: number | undefined; optimizer: 'sgd' | 'adamw';
  weightDecay: number; augment?: 'default' | 'off'; schedule?: ScheduleName; threads: number; device: string; trainSubset?: number | undefined; valSize?: number | undefined; imageSize?: number | undefined;
  mean?: readonly number[] | null | undefined; std?: readonly number[] | null | undefined;
};

/**
 * `checkpoint.json` in the folder beside the model being trained (OUT.checkpoint for `-o OUT`): the settings and the
 * last epoch end's state, replaced atomically only after the files it names are complete.
 */
export type TeacherCheckpoint = { format: 1; settings: TeacherSettings; current: FitInProgress };

/** The folder that holds the checkpoint of a training writing `out`. */
export const checkpointDir = (out: string): string => `${out}.checkpoint`;

export const readTeacherCheckpoint = (out: string): Promise<TeacherCheckpoint | null> => readCheckpointFile<TeacherCheckpoint>(join(checkpointDir(out), 'checkpoint.json'), 'resume');

/** Saves the epoch's model and trainer state in a new folder, points checkpoint.json at it, drops the older one. */
export async function writeTeacherCheckpoint(out: string, settings: TeacherSettings, graph: Graph, fit: FitCheckpoint): Promise<void> {
  const root = checkpointDir(out);
  await makeFolder(root);
  const current = await saveFitState(root, `epoch-${fit.epochs.length}`, graph, fit, 'model.onnx');
  const c: TeacherCheckpoint = { format: 1, settings, current };
  await writeFileAtomic(join(root, 'checkpoint.json'), JSON.stringify(c, null, 2) + '\n');
  await pruneCheckpointFolders(root, 'epoch-', current.dir);
}

/** The checkpoint's model and the trainer state fit() resumes from (the caller disposes both). */
export const loadTeacherCheckpoint = (out: string, c: TeacherCheckpoint): { graph: Graph; fit: FitCheckpoint } => loadFitState(checkpointDir(out), c.current);

/** Removes the checkpoint once the model is written. */
export async function removeTeacherCheckpoint(out: string): Promise<void> {
  await rm(checkpointDir(out), { recursive: true, force: true });
}

/** The file in the checkpoint folder that keeps the model a --model training started from, which its resume reads. */
export const TEACHER_SOURCE = 'source.onnx';

/** Keeps the model a training of `out` starts from (ONNX bytes) beside its checkpoint. */
export async function saveTeacherSource(out: string, bytes: Uint8Array): Promise<void> {
  await makeFolder(checkpointDir(out));
  await writeFileAtomic(join(checkpointDir(out), TEACHER_SOURCE), bytes);
}

/** The model a --model training of `out` started from (the caller disposes it). */
export const loadTeacherSource = (out: string): Graph => loadOnnx(join(checkpointDir(out), TEACHER_SOURCE));
