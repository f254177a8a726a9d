import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed } from '../../src/tensor/index.js';
import { buildZooGraph, type ZooArch } from '../../src/zoo/index.js';
import { saveOnnx } from '../../src/onnx/index.js';
import { writeIdxSet } from '../data/fixtures.js';

/** A `--data` spec for a small IDX dataset (500 train, 100 test images of 12x12, 10 classes): a compress run in seconds. */
export function smallIdxData(): string {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-pipeline-data-'));
  writeIdxSet(dir, { train: 500, test: 100, h: 12, w: 12, classes: 10 });
  return `idx:${dir}`;
}

/** An untrained vgg-small (seed 0) for `classes` classes of 1x`side`x`side` images, saved as ONNX in a new folder. */
export const vggTeacherFile = (classes = 10, side = 12): Promise<string> => zooTeacherFile('vgg-small', classes, side);

/** An untrained zoo model (seed 0) for `classes` classes of 1x`side`x`side` images, saved as ONNX in a new folder. */
export async function zooTeacherFile(arch: ZooArch, classes = 10, side = 12): Promise<string> {
  manualSeed(0);
  const path = join(mkdtempSync(join(tmpdir(), 'whittle-pipeline-')), 'teacher.onnx');
  const g = buildZooGraph(arch, { input: [1, side, side], classes });
  await saveOnnx(g, path);
  g.dispose();
  return path;
}

/** A run folder that does not exist yet, in a new temporary folder. */
export const newRun = (): string => join(mkdtempSync(join(tmpdir(), 'whittle-run-')), 'run');
