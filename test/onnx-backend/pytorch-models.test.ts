// The `pytorch-converted` and `pytorch-operator` models of Debian's libonnx-testdata (PyTorch exports at opset 6, with
// opset-6 semantics: legacy broadcast, attribute forms of Pad/Clip/Slice, BatchNorm is_test, ...) run through
// `whittle infer` (inputs as NAME=FILE.npy, every output into a folder) and compared with their stored outputs; each is
// also converted (`whittle convert`, written at opset 13) and run in onnxruntime-node against the same outputs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { tensor, type Tensor } from '../../src/tensor/index.js';
import { npyBytes, parseNpyTyped } from '../../src/data/index.js';
import { decodeModel, num } from '../../src/onnx/proto/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { whittle } from '../onnx/helpers.js';
import { NODE_DIR, dataSets, readPb } from './node-tests.js';

const ROOT = join(NODE_DIR, '..');
const SUITES = ['pytorch-converted', 'pytorch-operator'];

/**
 * Models left out, by reason: each needs a kernel that issue 33's op work adds (1-D/3-D Conv and pooling, Softplus,
 * Tile, InstanceNormalization); the entries go when those kernels land. Every name is checked against the test data.
 */
export const PYTORCH_SKIPS: Record<string, readonly string[]> = {};

const dir = mkdtempSync(join(tmpdir(), 'whittle-pytorch-models-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const models = SUITES.flatMap((s) => (existsSync(join(ROOT, s)) ? readdirSync(join(ROOT, s)).sort().map((name) => ({ suite: s, name, dir: join(ROOT, s, name) })) : []))
  .filter((m) => existsSync(join(m.dir, 'model.onnx')));

test('the skip table names only installed models', { skip: models.length === 0 }, () => {
  const names = new Set(models.map((m) => m.name));
  assert.deepEqual(Object.values(PYTORCH_SKIPS).flat().filter((n) => !names.has(n)), []);
});

if (models.length === 0) test('pytorch-converted and pytorch-operator models', { skip: `not installed at ${ROOT} (install libonnx-testdata)` }, () => {});

for (const m of models) {
  const reason = Object.entries(PYTORCH_SKIPS).find(([, names]) => names.includes(m.name))?.[0];
  test(`${m.suite}/${m.name}`, reason ? { skip: reason } : {}, async () => {
    const proto = decodeModel(readFileSync(join(m.dir, 'model.onnx')), m.name);
    const inits = new Set(proto.graph!.initializer.map((t) => t.name));
    const inputs = proto.graph!.input.map((v) => v.name).filter((n) => !inits.has(n));
    const outputs = proto.graph!.output.map((v) => v.name);
    // Converted, the opset-6 file becomes an opset-13 one that onnxruntime runs to the same outputs.
    const converted = join(dir, m.name, 'converted.onnx');
    mkdirSync(join(dir, m.name), { recursive: true });
    const c = await whittle('convert', join(m.dir, 'model.onnx'), converted);
    assert.equal(c.code, 0, c.err.join('\n'));
    const written = decodeModel(readFileSync(converted), 'converted');
    assert.equal(num(written.opsetImport.find((o) => o.domain === '')?.version), 13);
    const session = await ort.InferenceSession.create(converted);
    for (const ds of dataSets({ name: m.name, dir: m.dir, ops: [], opset: 6, extraOnly: false, training: false })) {
      const feeds: Record<string, ort.Tensor> = {};
      inputs.forEach((name, i) => {
        const t = readPb(ds.inputs[i]!);
        feeds[name] = new ort.Tensor(t.dtype as 'float32' | 'int64', t.data() as Float32Array, t.shape);
        t.dispose();
      });
      const res = await session.run(feeds);
      outputs.forEach((name, i) => {
        const want: Tensor = readPb(ds.outputs[i]!);
        try {
          assert.deepEqual([...res[name]!.dims], want.shape, `onnxruntime: output '${name}' shape`);
          assertClose([...(res[name]!.data as Float32Array)].map(Number), want.toArray(), { atol: 1e-4, rtol: 1e-3, what: `onnxruntime ${ds.name} output '${name}'` });
        } finally {
          want.dispose();
        }
      });
    }
    await session.release();
    for (const ds of dataSets({ name: m.name, dir: m.dir, ops: [], opset: 6, extraOnly: false, training: false })) {
      const work = join(dir, m.name, ds.name);
      mkdirSync(work, { recursive: true });
      const args = inputs.map((name, i) => {
        const t = readPb(ds.inputs[i]!);
        const path = join(work, `in${i}.npy`);
        writeFileSync(path, npyBytes(t));
        t.dispose();
        return ['--input', `${name}=${path}`];
      }).flat();
      const r = await whittle('infer', join(m.dir, 'model.onnx'), ...args, '--output', join(work, 'out') + '/');
      assert.equal(r.code, 0, r.err.join('\n'));
      outputs.forEach((name, i) => {
        const got = parseNpyTyped(readFileSync(join(work, 'out', `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.npy`)), name);
        const want = readPb(ds.outputs[i]!);
        try {
          assert.deepEqual(got.shape, want.shape, `output '${name}' shape`);
          const t = tensor(got.data, got.shape, got.dtype);
          assertClose(t, want.toArray(), { atol: 1e-4, rtol: 1e-3, what: `${ds.name} output '${name}'` });
          t.dispose();
        } finally {
          want.dispose();
        }
      });
    }
  });
}
