// int8 files (QDQ) on whittle's engine: QuantizeLinear and DequantizeLinear run as onnxruntime computes them without
// its fusions, so eval and infer take a student.int8.onnx; pruning, training and quantizing again refuse it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { noGrad, tensor, tidy } from '../../src/tensor/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { runGraph } from '../../src/exec/index.js';
import { quantize } from '../../src/api/index.js';
import { runCli } from '../cli/run-cli.js';
import { smallIdxData, zooTeacherFile } from '../pipeline/fixtures.js';

const DATA = smallIdxData();

/** The model's output for `x` [n, 1, 12, 12] in onnxruntime-node, with its graph optimizations on or off. */
async function ortOutput(file: string, x: Float32Array, n: number, optimized: boolean): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(file, { graphOptimizationLevel: optimized ? 'all' : 'disabled', intraOpNumThreads: 1 });
  try {
    const r = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x, [n, 1, 12, 12]) });
    return r[s.outputNames[0]!]!.data as Float32Array;
  } finally {
    await s.release();
  }
}

for (const activations of ['uint8', 'int8'] as const) {
  test(`a QDQ file (${activations} activations, per-channel int8 weights, int32 biases) runs on whittle's engine as onnxruntime computes it`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-qdq-'));
    const file = join(dir, 'int8.onnx');
    for (const arch of ['vgg-small', 'resnet-small'] as const) {
      await quantize(await zooTeacherFile(arch, 10, 12), DATA, file, { calibrationBatches: 2, activations, latency: false, valSize: 100 });
      const n = 8;
      const x = Float32Array.from({ length: n * 144 }, (_, i) => Math.sin(i * 0.11) * 1.5);
      const g = loadOnnx(file);
      try {
        const got = noGrad(() => tidy(() => runGraph(g, { [g.inputs[0]!.name]: tensor(x, [n, 1, 12, 12], 'float32') })[g.outputs[0]!.name]!.data())) as Float32Array;
        const plain = await ortOutput(file, x, n, false);
        const scale = Math.max(...plain.map(Math.abs));
        let worst = 0;
        for (let i = 0; i < plain.length; i++) worst = Math.max(worst, Math.abs(got[i]! - plain[i]!));
        // the same arithmetic as onnxruntime's unfused QDQ ops (measured: under 4e-7 of the largest output)
        assert.ok(worst <= 1e-4 * scale, `${arch}: largest difference ${worst} against outputs up to ${scale}`);
        // onnxruntime's fused int8 kernels agree on the classes
        const fused = await ortOutput(file, x, n, true);
        const argmax = (a: Float32Array, r: number): number => a.slice(r * 10, r * 10 + 10).reduce((b, v, k, row) => (v > row[b]! ? k : b), 0);
        const same = Array.from({ length: n }, (_, r) => argmax(got, r) === argmax(fused, r)).filter(Boolean).length;
        assert.ok(same >= n - 1, `${arch}: ${same} of ${n} top-1 classes as onnxruntime's int8 kernels`);
      } finally {
        g.dispose();
      }
    }
  });
}

test('eval takes an int8 file; prune, compress, quantize and train-teacher --model refuse it with one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-qdq-'));
  const file = join(dir, 'int8.onnx');
  await quantize(await zooTeacherFile('vgg-small', 10, 12), DATA, file, { calibrationBatches: 2, latency: false, valSize: 100 });
  const e = runCli(['eval', file, '--data', DATA, '--no-latency']);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /test accuracy \d+\.\d\d% \(100 images, fp32\)/, 'an int8 file is evaluated in fp32 unless bf16 is asked for');
  const i = runCli(['inspect', file, '--json']);
  assert.equal(i.status, 0, i.stderr);
  assert.ok((i.lastJson() as { params: number }).params > 100_000, 'the int8 weights count as parameters');
  assert.equal((i.lastJson() as { quantized: boolean }).quantized, true, 'inspect says it is an int8 file');
  assert.match(runCli(['inspect', file]).stdout, /params +[\d,]+ \(an int8 file/);
  const refused = /error\[E_CONFIG\]: (--teacher|--model|model): is an int8 model \(QuantizeLinear\/DequantizeLinear nodes\): whittle runs and evaluates it, but does not (prune|prune or train|quantize|train) it\n/;
  for (const args of [
    ['prune', file, '--ratio', '0.5', '-o', join(dir, 'p.onnx')],
    ['compress', '--teacher', file, '--data', DATA, '--ratios', '0.5', '-o', join(dir, 'run')],
    ['quantize', file, '--data', DATA, '-o', join(dir, 'q.onnx')],
    ['train-teacher', '--model', file, '--data', DATA, '--epochs', '1', '-o', join(dir, 't.onnx')],
  ]) {
    const r = runCli(args);
    assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, refused, args[0]);
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('  hint:')).length, 1);
  }
  for (const out of ['p.onnx', 'run', 'q.onnx', 't.onnx']) assert.equal(existsSync(join(dir, out)), false, `${out}: nothing written`);
});
