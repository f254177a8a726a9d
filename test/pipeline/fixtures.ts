import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { manualSeed } from '../../src/tensor/index.js';
import { Graph } from '../../src/graph/index.js';
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

/** A vgg-small (seed 0, 1x12x12 images, 10 classes) cut at the value `value`, which becomes its one output: an embedding model. */
export async function truncatedVgg(value: string): Promise<string> {
  manualSeed(0);
  const g = buildZooGraph('vgg-small', { input: [1, 12, 12], classes: 10 });
  const keep = g.nodes.slice(0, g.nodes.findIndex((n) => n.outputs[0] === value) + 1);
  const used = new Set(keep.flatMap((n) => n.inputs));
  const cut = new Graph({
    inputs: g.inputs, outputs: [{ name: value, dtype: 'float32', shape: null }], nodes: keep, opset: g.opset,
    initializers: new Map([...g.initializers].filter(([name]) => used.has(name))),
  });
  const path = join(mkdtempSync(join(tmpdir(), 'whittle-pipeline-')), `cut-${value}.onnx`);
  await saveOnnx(cut, path);
  g.dispose();
  return path;
}

/** A segmentation folder: 40 grey 12x12 images whose pixel value encodes the class of the mask's pixel (3 classes, some 255). */
export async function segFolder(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-seg-'));
  mkdirSync(join(dir, 'images'));
  mkdirSync(join(dir, 'masks'));
  for (let k = 0; k < 40; k++) {
    const mask = Buffer.from(Array.from({ length: 144 }, (_, p) => ((p + k) % 11 === 10 ? 255 : Math.floor(((p % 12) + k) / 5) % 3)));
    const img = Buffer.from(Array.from({ length: 144 }, (_, p) => (mask[p] === 255 ? 250 : 40 * (mask[p]! + 1))));
    await sharp(img, { raw: { width: 12, height: 12, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'images', `p${k}.png`));
    await sharp(mask, { raw: { width: 12, height: 12, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'masks', `p${k}.png`));
  }
  return `folder:${dir}`;
}
