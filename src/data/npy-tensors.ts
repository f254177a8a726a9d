import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../errors.js';
import { rowSize, type RawDataset, type SampleArray, type SampleDType, type TensorColumn, type TensorStore } from './dataset.js';
import { isDir, testRows } from './image-folder.js';
import { checkLabels, classCount, numberedClasses, readClassNames } from './labels.js';
import { parseNpyTyped } from './npy-typed.js';

/** The labels file of a tensor set; every other .npy file is a model input. */
const LABELS = 'y.npy';

/** The .npy files of a folder, sorted. */
function npyNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isFile() && d.name.endsWith('.npy')).map((d) => d.name).sort();
}

const inputNames = (dir: string): string[] => npyNames(dir).filter((n) => n !== LABELS);

/**
 * True when DIR holds a tensor set: inputs as x.npy or NAME.npy (directly, or in train/ and test/), not today's
 * image form (x_train.npy, y_train.npy, x_test.npy, y_test.npy).
 */
export function isTensorDir(dir: string): boolean {
  if (!isDir(dir) || existsSync(join(dir, 'x_train.npy'))) return false;
  return inputNames(dir).length > 0 || (isDir(join(dir, 'train')) && inputNames(join(dir, 'train')).length > 0);
}

function readColumn(path: string, name: string): TensorColumn & { count: number } {
  const a = parseNpyTyped(readFileSync(path), path);
  if (a.shape.length === 0) throw new DatasetError(path, 'holds a scalar; a tensor set needs one row per sample (shape (N, ...))');
  if (a.dtype === 'float16') throw new DatasetError(path, 'float16 is not supported', 'save it as float32');
  return { name, dtype: a.dtype as SampleDType, shape: a.shape.slice(1), data: a.data as SampleArray, count: a.shape[0]! };
}

/** Class ids from an integer y of shape (N,) or (N, 1); null when y holds something else (targets). */
function classIds(c: TensorColumn & { count: number }, path: string): Int32Array | null {
  const integer = ['int64', 'int32', 'int16', 'int8', 'uint8'].includes(c.dtype);
  if (!integer || rowSize(c.shape) !== 1 || c.shape.length > 1) return null;
  const out = new Int32Array(c.count);
  for (let i = 0; i < c.count; i++) {
    const v = Number(c.data[i]!);
    if (v < 0 || v > 0x7fffffff) throw new DatasetError(path, `class id ${v} at row ${i} is not a class index (0, 1, …)`, 'save float targets (np.float32) to regress them instead');
    out[i] = v;
  }
  return out;
}

/** One split's store: its inputs and, with y.npy, class ids or float32 targets. */
function readStore(dir: string): TensorStore {
  const names = inputNames(dir);
  if (names.length === 0) throw new DatasetError(dir, 'holds no input .npy files', 'save the inputs as x.npy, or one NAME.npy per model input');
  const inputs = names.map((f) => readColumn(join(dir, f), f.slice(0, -4)));
  const count = inputs[0]!.count;
  for (const c of inputs) {
    if (c.count !== count) throw new DatasetError(join(dir, `${c.name}.npy`), `has ${c.count} rows but ${inputs[0]!.name}.npy has ${count}`, 'every input file needs one row per sample');
  }
  if (count === 0) throw new DatasetError(join(dir, names[0]!), 'has no rows');
  const yPath = join(dir, LABELS);
  const columns = inputs.map(({ count: _, ...c }) => c);
  if (!existsSync(yPath)) return { inputs: columns, labels: new Int32Array(count).fill(-1), count };
  const y = readColumn(yPath, 'target');
  if (y.count !== count) throw new DatasetError(yPath, `has ${y.count} rows but the inputs have ${count}`);
  const ids = classIds(y, yPath);
  if (ids !== null) return { inputs: columns, labels: ids, count };
  const data = y.data instanceof Float32Array ? y.data : Float32Array.from(y.data as ArrayLike<number | bigint>, Number);
  return { inputs: columns, labels: new Int32Array(count).fill(-1), count, targets: { name: 'target', dtype: 'float32', shape: y.shape, data } };
}

/** Rows of a column, in order. */
function pick(c: TensorColumn, rows: number[]): TensorColumn {
  const per = rowSize(c.shape);
  const Ctor = c.data.constructor as new (n: number) => SampleArray;
  const out = new Ctor(rows.length * per);
  rows.forEach((r, k) => (out as Uint8Array).set((c.data as Uint8Array).subarray(r * per, (r + 1) * per), k * per));
  return { ...c, data: out };
}

function take(s: TensorStore, rows: number[]): TensorStore {
  return {
    inputs: s.inputs.map((c) => pick(c, rows)),
    labels: Int32Array.from(rows, (r) => s.labels[r]!),
    count: rows.length,
    ...(s.targets ? { targets: pick(s.targets, rows) } : {}),
  };
}

const describe = (c: TensorColumn): string => `${c.name} ${c.dtype} (${c.shape.join(', ')})`;

function checkSameKind(train: TensorStore, test: TensorStore, testDir: string): void {
  const a = train.inputs.map(describe).join('; ');
  const b = test.inputs.map(describe).join('; ');
  if (a !== b) throw new DatasetError(testDir, `inputs ${b} differ from train's ${a}`, 'the test split needs the same input files, dtypes and row shapes');
  const kind = (s: TensorStore): string => (s.targets ? `targets ${describe(s.targets)}` : s.labels[0]! >= 0 ? 'class ids' : 'no labels');
  if (kind(train) !== kind(test)) throw new DatasetError(testDir, `has ${kind(test)} but train has ${kind(train)}`);
}

/**
 * Reads a tensor set: inputs x.npy (one model input) or NAME.npy (one per model input, matched by name), any shape
 * and dtype, with optional y.npy (integer (N,): class ids; anything else: float32 targets to regress). The rows are
 * split 80/20 by seed, or come split as DIR/train and DIR/test (or val). Class names: classes.txt, else the ids.
 */
export function readTensorDir(dir: string, seed: number): RawDataset<TensorStore> {
  const trainDir = join(dir, 'train');
  let train: TensorStore;
  let test: TensorStore;
  if (inputNames(dir).length > 0) {
    const all = readStore(dir);
    const isTest = testRows(all.count, seed, 0);
    const rows = Array.from({ length: all.count }, (_, i) => i);
    train = take(all, rows.filter((r) => !isTest.has(r)));
    test = take(all, rows.filter((r) => isTest.has(r)));
  } else {
    const testDir = [join(dir, 'test'), join(dir, 'val')].find((d) => isDir(d));
    if (testDir === undefined) throw new DatasetError(dir, 'has train/ but neither test/ nor val/', 'add DIR/test with the same .npy files, or put the files directly in DIR to split them 80/20');
    train = readStore(trainDir);
    test = readStore(testDir);
    checkSameKind(train, test, testDir);
  }
  const classed = !train.targets && train.count > 0 && train.labels[0]! >= 0;
  if (!classed) return { train, test, classes: [], skipped: 0, warnings: [] };
  const names = readClassNames(dir);
  const n = names?.length ?? classCount(train.labels, test.labels);
  checkLabels(train.labels, n, join(dir, LABELS));
  checkLabels(test.labels, n, join(dir, LABELS));
  return { train, test, classes: names ?? numberedClasses(n), skipped: 0, warnings: [] };
}
