import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { ConfigError, DatasetError } from '../errors.js';
import { npyBytes, NUMPY_NAMES, parseNpyTyped, type TypedNpy } from '../data/index.js';
import type { Graph, ValueInfo } from '../graph/index.js';
import { loadOnnx } from '../onnx/index.js';
import { runGraph } from '../exec/index.js';
import { noGrad, tensor, tidy, keep, type Tensor } from '../tensor/index.js';
import { writeFileAtomic } from '../util/write-atomic.js';
import { makeFolder } from '../util/make-folder.js';

/**
 * Runs a one-input model on the engine (eval mode, no autograd) and returns its first output; the caller disposes
 * it. The input is float32 values of `shape`, batch first, matching the model's input.
 */
export function infer(model: Graph, data: Float32Array, shape: readonly number[], o: { option?: string; source?: string } = {}): Tensor {
  const option = o.option ?? 'input';
  if (model.inputs.length !== 1) throw new ConfigError(option, `the model has ${model.inputs.length} inputs (${model.inputs.map((i) => i.name).join(', ')}); infer takes models with one`);
  const want = model.inputs[0]!;
  checkShape(want, shape, option, o.source ?? 'the input');
  return noGrad(() => tidy(() => keep(runGraph(model, { [want.name]: tensor(data, shape, 'float32') })[model.outputs[0]!.name]!)));
}

function checkShape(want: ValueInfo, shape: readonly number[], option: string, source: string): void {
  const bad = want.shape && (want.shape.length !== shape.length || want.shape.some((d, k) => k > 0 && typeof d === 'number' && d !== shape[k]));
  if (bad) throw new ConfigError(option, `${source} has shape [${shape.join(', ')}]; the model's input '${want.name}' is [${want.shape!.join(', ')}]`);
}

/** `NAME=FILE` when the text before the first '=' is a plain name and the whole text is not an existing file. */
function splitSpec(spec: string): { name?: string; path: string } {
  const at = spec.indexOf('=');
  if (at <= 0 || existsSync(spec)) return { path: spec };
  const name = spec.slice(0, at);
  return name.includes(sep) || name.includes('/') ? { path: spec } : { name, path: spec.slice(at + 1) };
}

function readNpy(path: string): TypedNpy {
  let buf: Uint8Array;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new DatasetError(path, `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseNpyTyped(buf, path);
}

/** Where each chosen output goes: one file, NAME=FILE pairs, or every output into a folder. */
type OutputPlan = { files: Map<string, string> } | { dir: string };

function planOutputs(g: Graph, specs: readonly string[], option: string): OutputPlan {
  const names = g.outputs.map((o) => o.name);
  const list = `the model's outputs are ${names.map((n) => `'${n}'`).join(', ')}`;
  if (specs.length === 0) throw new ConfigError(option, `no output given (${list})`);
  const dirSpec = specs.find((s) => s.endsWith('/') || s.endsWith(sep) || (existsSync(s) && statSync(s).isDirectory()));
  if (dirSpec !== undefined) {
    if (specs.length > 1) throw new ConfigError(option, `a folder (${dirSpec}) takes every output; give it alone`);
    return { dir: resolve(dirSpec) };
  }
  const files = new Map<string, string>();
  for (const spec of specs) {
    const s = splitSpec(spec);
    if (s.name === undefined) {
      if (specs.length > 1 || names.length !== 1) throw new ConfigError(option, `${spec}: the model has ${names.length} outputs; name each as NAME=FILE.npy or give a folder DIR/ for all (${list})`);
      files.set(names[0]!, resolve(s.path));
      continue;
    }
    if (!names.includes(s.name)) throw new ConfigError(option, `'${s.name}' is not an output of the model (${list})`);
    if (files.has(s.name)) throw new ConfigError(option, `output '${s.name}' is given twice`);
    files.set(s.name, resolve(s.path));
  }
  return { files };
}

/** A file name for an output in a folder: its name with path separators and other odd characters as '_'. */
function fileNameFor(name: string, taken: Set<string>): string {
  const base = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'output';
  let file = `${base}.npy`;
  for (let k = 1; taken.has(file); k++) file = `${base}_${k}.npy`;
  taken.add(file);
  return file;
}

export interface InferResult {
  /** Each output written: its name, file, dtype and shape. */
  readonly written: { output: string; path: string; dtype: string; shape: number[] }[];
}

/**
 * `whittle infer`: .npy inputs through an ONNX file, outputs written as .npy (atomically, only after every output is
 * computed). Inputs: one FILE for a one-input model, or NAME=FILE per model input; any numeric or bool dtype, which
 * must be the input's own. Outputs: one FILE for a one-output model, NAME=FILE per output wanted, or a folder DIR/
 * (made if missing) that receives every output as <name>.npy. `inputOption` and `outputOption` name the flags in
 * errors (the CLI's '--input' and '--output').
 */
export async function inferFiles(modelPath: string, inputSpecs: readonly string[], outputSpecs: readonly string[], inputOption = 'input', outputOption = 'output'): Promise<InferResult> {
  if (inputSpecs.length === 0) throw new ConfigError(inputOption, 'no input given');
  const given = inputSpecs.map((spec) => ({ spec, ...splitSpec(spec) }));
  const named = given.filter((s) => s.name !== undefined);
  if (named.length && named.length !== given.length) throw new ConfigError(inputOption, 'give every input as NAME=FILE.npy, or one FILE.npy for a one-input model');
  const arrays = given.map((s) => readNpy(s.path));
  const shapes = named.length ? Object.fromEntries(given.map((s, i) => [s.name!, arrays[i]!.shape])) : arrays.map((a) => a.shape);
  const g = loadOnnx(modelPath, { inputShapes: shapes });
  try {
    const list = `the model's inputs are ${g.inputs.map((i) => `'${i.name}' (${i.dtype})`).join(', ')}`;
    if (!named.length && (given.length !== 1 || g.inputs.length !== 1)) throw new ConfigError(inputOption, `the model has ${g.inputs.length} inputs; give each as NAME=FILE.npy (${list})`);
    const feeds: { info: ValueInfo; arr: TypedNpy; path: string }[] = [];
    given.forEach((s, i) => {
      const info = s.name === undefined ? g.inputs[0]! : g.inputs.find((v) => v.name === s.name);
      if (!info) throw new ConfigError(inputOption, `'${s.name}' is not an input of the model (${list})`);
      if (feeds.some((f) => f.info === info)) throw new ConfigError(inputOption, `input '${info.name}' is given twice`);
      feeds.push({ info, arr: arrays[i]!, path: s.path });
    });
    const missing = g.inputs.filter((v) => !feeds.some((f) => f.info === v));
    if (missing.length) throw new ConfigError(inputOption, `no file for input${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m.name}'`).join(', ')} (${list})`);
    for (const { info, arr, path } of feeds) {
      if (arr.dtype !== info.dtype) {
        const np = NUMPY_NAMES[info.dtype] ?? info.dtype;
        throw new ConfigError(inputOption, `${path} holds ${arr.dtype} values ('${arr.descr}'); the model's input '${info.name}' is ${info.dtype} (save the array with a.astype(np.${np}))`);
      }
      checkShape(info, arr.shape, inputOption, path);
    }
    const plan = planOutputs(g, outputSpecs, outputOption);
    const wanted = 'dir' in plan ? g.outputs.map((o) => o.name) : [...plan.files.keys()];
    const bytes = noGrad(() => tidy(() => {
      const feed: Record<string, Tensor> = {};
      for (const { info, arr } of feeds) feed[info.name] = tensor(arr.data, arr.shape, arr.dtype);
      const outs = runGraph(g, feed);
      return wanted.map((name) => ({ name, dtype: outs[name]!.dtype, shape: [...outs[name]!.shape], bytes: npyBytes(outs[name]!, outputOption) }));
    }));
    const taken = new Set<string>();
    const targets = bytes.map(({ name, dtype, shape, bytes: b }) => ({
      name, b, dtype, shape,
      path: 'dir' in plan ? join(plan.dir, fileNameFor(name, taken)) : plan.files.get(name)!,
    }));
    if ('dir' in plan) {
      if (existsSync(plan.dir) && !statSync(plan.dir).isDirectory()) throw new ConfigError(outputOption, `${plan.dir} is a file, not a folder`);
      await makeFolder(plan.dir).catch((e: NodeJS.ErrnoException) => {
        throw new ConfigError(outputOption, `cannot make folder ${plan.dir} (${e.code ?? e.message})`);
      });
    }
    for (const t of targets) await writeFileAtomic(t.path, t.b);
    return { written: targets.map(({ name, path, dtype, shape }) => ({ output: name, path, dtype, shape })) };
  } finally {
    g.dispose();
  }
}

/** One float32 (or any dtype) .npy input through a one-input model, the one output written as .npy (see inferFiles). */
export async function inferNpy(modelPath: string, inputPath: string, outputPath: string, inputOption = 'input', outputOption = 'output'): Promise<{ output: string; shape: number[] }> {
  const r = await inferFiles(modelPath, [inputPath], [outputPath], inputOption, outputOption);
  return { output: r.written[0]!.output, shape: r.written[0]!.shape };
}
