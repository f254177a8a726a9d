// Bad input fails fast with one E_ONNX line and exit code 2, in bounded time and memory, and writes no output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editModel, fixturesDir, modelPath, whittle } from './helpers.js';
import type { ModelProto } from '../../src/onnx/index.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-bad-onnx-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const edit = (name: string, f: (m: ModelProto) => void, base = 'convbn_eval'): string => file(`${name}.onnx`, editModel(base, f));
const firstInit = (m: ModelProto) => m.graph!.initializer[0]!;

/** Each case: the file, and what its one error line must say. */
const CASES: [string, () => string, RegExp][] = [
  ['a truncated file', () => file('truncated.onnx', readFileSync(modelPath('convbn_eval')).subarray(0, 3000)), /not an ONNX model, or a truncated one|declares shape|has no graph/],
  ['a text file', () => file('text.onnx', 'this is not a model\n'.repeat(20)), /not an ONNX model|has no graph/],
  ['an .npy file', () => file('array.onnx', readFileSync(join(fixturesDir, 'convbn_eval', 'input.npy'))), /not an ONNX model|has no graph/],
  ['an empty file', () => file('empty.onnx', ''), /empty file/],
  ['a missing file', () => join(dir, 'nope.onnx'), /no such file/],
  ['opset 5', () => edit('opset5', (m) => void (m.opsetImport[0]!.version = 5)), /opset 5 is not supported; whittle reads ONNX opsets 6 to 21 \(re-export it/],
  ['opset 22', () => edit('opset22', (m) => void (m.opsetImport[0]!.version = 22)), /opset 22 is not supported; whittle reads ONNX opsets 6 to 21/],
  ['no ai.onnx opset', () => edit('noopset', (m) => void (m.opsetImport = [])), /declares no ai.onnx opset/],
  ['a missing graph', () => edit('nograph', (m) => void delete m.graph), /has no graph/],
  ['a tensor larger than its data', () => edit('big', (m) => void (firstInit(m).dims[0] = 4096)), /declares shape \[4096, 16\] of float32 \(262144 bytes\) but holds 640 bytes of data/],
  ['a 2^31 dimension', () => edit('dim31', (m) => void (firstInit(m).dims = [2 ** 31, 2 ** 31])), /dimension of 2147483648 \(at least 2\^31\)/],
  ['a 2^31 input dimension', () => edit('indim', (m) => void (m.graph!.input[0]!.type!.tensorType!.shape!.dim[2] = { dimValue: 2 ** 31 })), /graph input 'input' \(dim 2\) has a dimension of 2147483648/],
  ['a negative dimension', () => edit('negdim', (m) => void (firstInit(m).dims[0] = -8)), /negative dimension \(-8\)/],
  ['a dangling input', () => edit('dangling', (m) => void (m.graph!.node[1]!.input[0] = 'ghost')), /reads 'ghost', which nothing produces/],
  ['a huge conv padding', () => edit('pads', (m) => void (m.graph!.node[0]!.attribute.find((a) => a.name === 'pads')!.ints = [1e6, 1e6, 1e6, 1e6])), /attribute 'pads' has 1000000, outside \[0, 65535\]/],
  ['unsupported ops', () => edit('unsupported', (m) => {
    m.graph!.node[1]!.opType = 'FancyRelu';
    m.graph!.node[3]!.opType = 'NonMaxSuppression';
  }), /2 ops not supported: FancyRelu \(domain ai\.onnx, node '\/features\/features\.2\/Relu'\), NonMaxSuppression \(domain ai\.onnx, node '\/features\/features\.4\/Conv'\)/],
  ['a com.microsoft contrib op', () => edit('contrib', (m) => {
    Object.assign(m.graph!.node[1]!, { opType: 'FusedConv', domain: 'com.microsoft' });
    m.opsetImport.push({ domain: 'com.microsoft', version: 1 });
  }), /op not supported: FusedConv \(domain com\.microsoft, node '\/features\/features\.2\/Relu'; onnxruntime's contrib ops/],
  ['an ai.onnx.ml op', () => edit('ml', (m) => {
    Object.assign(m.graph!.node[1]!, { opType: 'Scaler', domain: 'ai.onnx.ml' });
    m.opsetImport.push({ domain: 'ai.onnx.ml', version: 1 });
  }), /op not supported: Scaler \(domain ai\.onnx\.ml, node '\/features\/features\.2\/Relu'; classical machine-learning ops/],
  ['external data past the end of its file', () => {
    const p = edit('ext_far', (m) => void (firstInit(m).externalData.find((e) => e.key === 'offset') ? (firstInit(m).externalData.find((e) => e.key === 'offset')!.value = '100000') : firstInit(m).externalData.push({ key: 'offset', value: '100000' })), 'external_data');
    copyFileSync(join(fixturesDir, 'external_data', 'weights.bin'), join(dir, 'weights.bin'));
    return p;
  }, /needs bytes 100000\.\.100640 of 'weights\.bin', which has 6248 bytes/],
  ['external data outside the model folder', () => edit('ext_escape', (m) => void (firstInit(m).externalData.find((e) => e.key === 'location')!.value = '../../etc/passwd'), 'external_data'), /outside the model's folder/],
];

for (const [what, make, message] of CASES) {
  // a hang guard, not a timing: speed is measured in bench/, never asserted in tests
  test(`bad input: ${what} → one E_ONNX line, exit 2, no output file`, { timeout: 60_000 }, async () => {
    const path = make();
    const out = join(dir, 'out.onnx');
    for (const args of [['inspect', path], ['convert', path, out]]) {
      const r = await whittle(...args);
      assert.equal(r.code, 2, `${args[0]}: exit ${r.code}; ${r.err.join(' | ')}`);
      assert.equal(r.err.length, 1, `one line, got:\n${r.err.join('\n')}`);
      assert.match(r.err[0]!, /^whittle: error\[E_ONNX\]: /);
      assert.match(r.err[0]!, message);
      assert.equal(existsSync(out), false, 'no output file');
    }
  });
}

test('bad input to the commands: opset flag, shape flag, .npy dtype and shape; exit 2, no output', async () => {
  const out = join(dir, 'y.npy');
  const x = join(fixturesDir, 'resblock', 'input.npy');
  const cases: [string[], RegExp][] = [
    [['convert', modelPath('resblock'), join(dir, 'o.onnx'), '--opset', '9'], /--opset: expected 11 to 21, got 9/],
    [['inspect', modelPath('resblock'), '--input', '3x16'], /--input: the model's input 'input' has 4 dims/],
    [['inspect', modelPath('resblock'), '--input', '1x3x0x4'], /--input: expected dims joined by 'x'/],
    [['infer', modelPath('resblock'), '--input', join(fixturesDir, 'convbn_eval', 'input.npy'), '--output', out], /has shape \[2, 3, 15, 15\]; the model's input 'input' is \[N, 3, 16, 16\]/],
    [['infer', modelPath('resblock'), '--input', modelPath('resblock'), '--output', out], /not a \.npy file/],
    [['infer', join(dir, 'nope.onnx'), '--input', x, '--output', out], /no such file/],
  ];
  for (const [args, message] of cases) {
    const r = await whittle(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err.join(' | ')}`);
    assert.equal(r.err.length, 1, r.err.join('\n'));
    assert.match(r.err[0]!, message);
  }
  assert.equal(existsSync(out), false);
  assert.equal(existsSync(join(dir, 'o.onnx')), false);
});
