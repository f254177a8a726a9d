// Shared by the ONNX tests: the fixtures written by scripts/gen-onnx-models.py, .npy I/O, an in-process CLI runner.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../helpers/fixtures.js';
import { parseNpy } from '../../src/data/npy.js';
import { tensor, type Tensor } from '../../src/tensor/index.js';
import { run } from '../../src/cli/main.js';
import { decodeModel, encodeModel, type ModelProto } from '../../src/onnx/index.js';

export const fixturesDir = join(packageRoot(), 'test', 'fixtures', 'onnx');

/** One case of test/fixtures/onnx/manifest.json. */
export type Case = { name: string; opset: number; macs: number; params?: number; covers: string; data?: string };

export function cases(): Case[] {
  const m = JSON.parse(readFileSync(join(fixturesDir, 'manifest.json'), 'utf8')) as Record<string, Omit<Case, 'name'>>;
  return Object.entries(m).map(([name, c]) => ({ name, ...c }));
}

export const modelPath = (name: string): string => join(fixturesDir, name, 'model.onnx');

/** The case's input and PyTorch's output, as float32 arrays with shapes. */
export function caseData(c: Case): { x: { shape: number[]; data: Float32Array }; y: { shape: number[]; data: Float32Array } } {
  const dir = join(fixturesDir, c.data ?? c.name);
  const read = (f: string) => {
    const a = parseNpy(readFileSync(join(dir, f)), f);
    return { shape: a.shape, data: a.data as Float32Array };
  };
  return { x: read('input.npy'), y: read('output.npy') };
}

export const toTensor = (a: { shape: number[]; data: Float32Array }): Tensor => tensor(a.data, a.shape, 'float32');

/** Largest |a - b| (lengths must match). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Decodes a fixture, lets `edit` change it, encodes it again (for bad-input cases). */
export function editModel(name: string, edit: (m: ModelProto) => void): Uint8Array {
  const m = decodeModel(readFileSync(modelPath(name)), name);
  edit(m);
  return encodeModel(m);
}

/** Runs the CLI in this process; returns the exit code and the lines written to stdout and stderr. */
export async function whittle(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  const write = process.stderr.write.bind(process.stderr);
  console.log = (...a: unknown[]) => void out.push(...a.join(' ').split('\n'));
  console.error = (...a: unknown[]) => void err.push(...a.join(' ').split('\n'));
  process.stderr.write = ((s: string | Uint8Array) => (err.push(...String(s).replace(/\n$/, '').split('\n')), true)) as typeof process.stderr.write;
  try {
    const code = await run(['node', 'whittle', ...args]);
    return { code, out, err };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
  }
}
