// whittle infer with several inputs and outputs of any dtype: --input NAME=FILE.npy (repeatable), --output NAME=FILE.npy
// or DIR/, the one-file forms for one input and one output, and the refusals (exit 2, one line, nothing written).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { int, Graph } from '../../src/graph/index.js';
import { tensor } from '../../src/tensor/index.js';
import { npyBytes, parseNpyTyped } from '../../src/data/index.js';
import { saveOnnx } from '../../src/onnx/index.js';
import { whittle } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-infer-io-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const x = [1.5, -2, 3, 0.25, -1, 4, 2, -3];
const mask = [1, 0, 1, 1, 0, 0, 1, 0];
const ids = [3n, -7n, 2n ** 40n, 5n, 6n, -1n];
const k = [7, -9, 11, 13];

/** Three inputs (float32 x, bool mask, int64 ids) and an int32 one; outputs of float32, int64 and int32. */
async function makeModel(): Promise<string> {
  const g = new Graph({
    name: 'io',
    inputs: [
      { name: 'x', dtype: 'float32', shape: ['N', 4] }, { name: 'mask', dtype: 'bool', shape: ['N', 4] },
      { name: 'ids', dtype: 'int64', shape: ['N', 3] }, { name: 'k', dtype: 'int32', shape: ['N', 2] },
    ],
    outputs: [{ name: 'masked/x', dtype: 'float32', shape: null }, { name: 'id_sum', dtype: 'int64', shape: null }, { name: 'k2', dtype: 'int32', shape: null }],
    nodes: [
      { name: 'zero', opType: 'Sub', domain: '', inputs: ['x', 'x'], outputs: ['z'], attrs: {} },
      { name: 'where', opType: 'Where', domain: '', inputs: ['mask', 'x', 'z'], outputs: ['masked/x'], attrs: {} },
      { name: 'sum', opType: 'ReduceSum', domain: '', inputs: ['ids', 'axes'], outputs: ['id_sum'], attrs: { keepdims: int(0) } },
      { name: 'twice', opType: 'Add', domain: '', inputs: ['k', 'k'], outputs: ['k2'], attrs: {} },
    ],
    initializers: new Map([['axes', { tensor: tensor(BigInt64Array.of(1n), [1], 'int64'), kind: 'constant' as const }]]),
    opset: 13,
  });
  const path = join(dir, 'io.onnx');
  try {
    await saveOnnx(g, path);
  } finally {
    g.dispose();
  }
  return path;
}

function npy(name: string, data: number[] | bigint[], shape: number[], dtype: 'float32' | 'bool' | 'int64' | 'int32' | 'float64'): string {
  const arr = dtype === 'int64' ? BigInt64Array.from(data as bigint[]) : dtype === 'bool' ? Uint8Array.from(data as number[]) : dtype === 'int32' ? Int32Array.from(data as number[]) : dtype === 'float64' ? Float64Array.from(data as number[]) : Float32Array.from(data as number[]);
  const t = tensor(arr, shape, dtype);
  const path = join(dir, name);
  writeFileSync(path, npyBytes(t));
  t.dispose();
  return path;
}

test('infer: NAME=FILE inputs of float32, bool, int64 and int32; every output into DIR/, or NAME=FILE for some', async () => {
  const model = await makeModel();
  const inputs = ['--input', `x=${npy('x.npy', x, [2, 4], 'float32')}`, '--input', `mask=${npy('mask.npy', mask, [2, 4], 'bool')}`,
    '--input', `ids=${npy('ids.npy', ids, [2, 3], 'int64')}`, '--input', `k=${npy('k.npy', k, [2, 2], 'int32')}`];
  const out = join(dir, 'outs') + '/';
  const r = await whittle('infer', model, ...inputs, '--output', out);
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.deepEqual(readdirSync(out).sort(), ['id_sum.npy', 'k2.npy', 'masked_x.npy']);
  const masked = parseNpyTyped(readFileSync(join(out, 'masked_x.npy')), 'masked');
  assert.equal(masked.dtype, 'float32');
  assert.deepEqual([...masked.data], x.map((v, i) => (mask[i] ? v : 0)));
  const sums = parseNpyTyped(readFileSync(join(out, 'id_sum.npy')), 'id_sum');
  assert.equal(sums.dtype, 'int64');
  assert.deepEqual([...(sums.data as BigInt64Array)], [3n - 7n + 2n ** 40n, 10n]);
  const k2 = parseNpyTyped(readFileSync(join(out, 'k2.npy')), 'k2');
  assert.deepEqual([k2.dtype, [...k2.data]], ['int32', k.map((v) => 2 * v)]);
  assert.match(r.out.join('\n'), /output 'id_sum' int64 \[2\]/);

  const one = join(dir, 'k2-only.npy');
  const r2 = await whittle('infer', model, ...inputs, '--output', `k2=${one}`);
  assert.equal(r2.code, 0, r2.err.join('\n'));
  assert.deepEqual([...parseNpyTyped(readFileSync(one), one).data], k.map((v) => 2 * v));
});

test('infer refuses, with one line, exit 2 and nothing written: a wrong dtype, a missing or unknown input, an unnamed file for several', async () => {
  const model = await makeModel();
  const good = ['--input', `mask=${join(dir, 'mask.npy')}`, '--input', `ids=${join(dir, 'ids.npy')}`, '--input', `k=${join(dir, 'k.npy')}`];
  npy('mask.npy', mask, [2, 4], 'bool');
  npy('ids.npy', ids, [2, 3], 'int64');
  npy('k.npy', k, [2, 2], 'int32');
  const out = join(dir, 'never.npy');
  const outDir = join(dir, 'never') + '/';
  const cases: [string[], RegExp][] = [
    [['--input', `x=${npy('x64.npy', [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n], [2, 4], 'int64')}`, ...good, '--output', outDir], /--input: .*x64\.npy holds int64 values \('<i8'\); the model's input 'x' is float32/],
    [['--input', `x=${npy('xf64.npy', x, [2, 4], 'float64')}`, ...good, '--output', outDir], /holds float64 values \('<f8'\); the model's input 'x' is float32/],
    [[...good, '--output', outDir], /--input: no file for input 'x'/],
    [['--input', `y=${join(dir, 'x.npy')}`, ...good, '--output', outDir], /--input: 'y' is not an input of the model/],
    [['--input', join(dir, 'mask.npy'), '--output', out], /--input: the model has 4 inputs; give each as NAME=FILE\.npy/],
    [['--input', `x=${npy('x.npy', x, [2, 4], 'float32')}`, ...good, '--output', out], /--output: .*the model has 3 outputs; name each as NAME=FILE\.npy or give a folder DIR\/ for all/],
    [['--input', `x=${join(dir, 'x.npy')}`, ...good, '--output', `nope=${out}`], /--output: 'nope' is not an output of the model/],
  ];
  for (const [args, message] of cases) {
    const r = await whittle('infer', model, ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err.join(' | ')}`);
    assert.equal(r.err.length, 1, r.err.join('\n'));
    assert.match(r.err[0]!, message);
    assert.equal(existsSync(out), false);
    assert.equal(existsSync(outDir), false);
  }
});
