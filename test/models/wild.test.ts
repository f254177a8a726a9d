// Issue 33 on every export of scripts/gen-wild-models.py (swin_t and shufflenet_v2_x0_5 included, too large to
// commit): the checks of test/helpers/wild.ts on each folder under WHITTLE_WILD_DIR, and for the fixed-batch CNNs and
// Swins `whittle prune --ratio 0.5`, whose student onnxruntime runs at batch 3 with the symbolic batch N. Runs only when
// that variable names the folder (bash scripts/check-wild-models.sh does both), so npm test skips it at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel } from '../../src/onnx/index.js';
import { parseNpy } from '../../src/data/npy.js';
import { checkWildVariant, wildVariants } from '../helpers/wild.js';
import { whittle } from '../onnx/helpers.js';

const dir = process.env['WHITTLE_WILD_DIR'];
const GENERATE = '/usr/bin/python3 scripts/gen-wild-models.py';
/** The models whose fixed-batch exports are pruned here (the other transformers: test/prune/transformer.test.ts). */
const PRUNED = new Set(['lenet', 'shufflenet_tiny', 'shufflenet_v2_x0_5', 'swin_tiny', 'swin_t']);

if (!dir || !existsSync(dir)) {
  const skip = dir
    ? `WHITTLE_WILD_DIR=${dir} does not exist; generate it with: ${GENERATE} ${dir}`
    : `set WHITTLE_WILD_DIR to a folder written by ${GENERATE} (bash scripts/check-wild-models.sh does both); skipped in npm test`;
  test('wild models', { skip }, () => {});
} else {
  const work = mkdtempSync(join(tmpdir(), 'whittle-wild-'));
  test.after(() => rmSync(work, { recursive: true, force: true }));
  for (const v of wildVariants(dir)) {
    test(`${v}: infer at batch 1 and 3, onnxruntime after convert, gradients, all equal to PyTorch`, async (t) => {
      await checkWildVariant(t, join(dir, v));
    });
    const meta = JSON.parse(readFileSync(join(dir, v, 'meta.json'), 'utf8')) as { model: string; batch: string };
    if (meta.batch !== 'fixed' || !PRUNED.has(meta.model)) continue;
    test(`${v}: whittle prune --ratio 0.5 gives a student onnxruntime runs at batch 3, declared with batch N`, async () => {
      const out = join(work, `${v}.onnx`);
      const r = await whittle('prune', join(dir, v, 'model.onnx'), '--ratio', '0.5', '-o', out);
      assert.equal(r.code, 0, r.err.join('\n'));
      assert.equal(decodeModel(readFileSync(out), out).graph!.input[0]!.type!.tensorType!.shape!.dim[0]!.dimParam, 'N');
      const x = parseNpy(readFileSync(join(dir, v, 'x3.npy')), 'x3.npy');
      const y = parseNpy(readFileSync(join(dir, v, 'y3.npy')), 'y3.npy');
      const s = await ort.InferenceSession.create(out, { intraOpNumThreads: 1, interOpNumThreads: 1 });
      try {
        const o = (await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x.data as Float32Array, x.shape) }))[s.outputNames[0]!]!;
        assert.deepEqual([...o.dims], y.shape);
      } finally {
        await s.release();
      }
    });
  }
}
