// Resize at opset 19 against onnxruntime-node over every mode, coordinate transform, nearest mode, cubic_coeff_a,
// exclude_outside and antialias, from scales (whole and fractional) and from sizes, up and down. Two differences are
// by design and left out: align_corners with a scale that gives a fractional output length (whittle follows the ONNX
// reference, which the backend node test test_resize_downsample_scales_linear_align_corners holds it to; onnxruntime
// uses the rounded length), and half_pixel_symmetric's nearest pixel on one exact tie of its sizes case.
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { runGraph } from '../../src/exec/index.js';
import { noGrad, tensor, tidy } from '../../src/tensor/index.js';
import { encodeModel, loadOnnx, toOnnxBytes, type ModelProto } from '../../src/onnx/index.js';
import { assertClose } from '../helpers/assert-close.js';

const SHAPE = [1, 2, 5, 7];
const X = Float32Array.from({ length: 70 }, (_, i) => Math.sin(i * 1.7) * 3);

function model(attrs: Record<string, string | number>, by: 'scales' | 'sizes', values: number[]): Uint8Array {
  const attribute = Object.entries(attrs).map(([name, v]) => (typeof v === 'string' ? { name, type: 3, s: Buffer.from(v) } : name === 'cubic_coeff_a' ? { name, type: 1, f: v } : { name, type: 2, i: v }));
  const init = by === 'sizes' ? { name: 'sizes', dims: [4], dataType: 7, int64Data: values } : { name: 'scales', dims: [4], dataType: 1, floatData: values };
  const m = {
    irVersion: 8, opsetImport: [{ domain: '', version: 19 }],
    graph: {
      name: 'g', node: [{ name: 'r', opType: 'Resize', domain: '', input: by === 'sizes' ? ['x', '', '', 'sizes'] : ['x', '', 'scales'], output: ['y'], attribute }],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: SHAPE.map((d) => ({ dimValue: d })) } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }], initializer: [init],
    },
  };
  return encodeModel(m as unknown as ModelProto);
}

const SIZINGS: ['scales' | 'sizes', number[]][] = [['scales', [1, 1, 1.5, 0.6]], ['scales', [1, 1, 2, 3]], ['sizes', [1, 2, 3, 12]], ['sizes', [1, 2, 8, 4]]];
const EXTRAS: Record<string, Record<string, string | number>[]> = {
  nearest: ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'].map((m) => ({ nearest_mode: m })),
  linear: [{}, { antialias: 1 }, { antialias: 1, exclude_outside: 1 }],
  cubic: [{}, { cubic_coeff_a: -0.5, exclude_outside: 1 }, { antialias: 1 }, { antialias: 1, exclude_outside: 1, cubic_coeff_a: -0.6 }],
};

test('Resize (opset 19) equals onnxruntime over modes, transforms, nearest modes, cubic a, exclude_outside and antialias', async () => {
  let compared = 0;
  for (const mode of ['nearest', 'linear', 'cubic']) {
    for (const ctm of ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric']) {
      for (const [by, values] of SIZINGS) {
        for (const extra of EXTRAS[mode]!) {
          const fractional = by === 'scales' && values.some((s, i) => !Number.isInteger(s * SHAPE[i]!));
          if (ctm === 'align_corners' && fractional) continue;
          if (ctm === 'half_pixel_symmetric' && mode === 'nearest' && by === 'sizes' && values[2] === 3) continue;
          const attrs = { mode, coordinate_transformation_mode: ctm, ...extra };
          const bytes = model(attrs, by, values);
          const g = loadOnnx(bytes);
          const got = noGrad(() => tidy(() => runGraph(g, { x: tensor(X, SHAPE, 'float32') })['y']!.toArray()));
          g.dispose();
          const s = await ort.InferenceSession.create(bytes);
          const want = (await s.run({ x: new ort.Tensor('float32', X, SHAPE) }))['y']!;
          await s.release();
          assertClose(got, [...(want.data as Float32Array)], { atol: 1e-4, rtol: 1e-4, what: `${JSON.stringify(attrs)} ${by} [${values.join(', ')}]` });
          compared++;
        }
      }
    }
  }
  if (compared < 200) throw new Error(`only ${compared} cases compared`);
});

test('Resize written at opsets 11, 13, 18 and 21 (roi and scales as empty inputs before 13) runs in onnxruntime to whittle\'s values', async () => {
  for (const [attrs, by, values] of [[{ mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, 'sizes', [1, 2, 9, 4]], [{ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, 'scales', [1, 1, 2, 2]]] as const) {
    const g = loadOnnx(model(attrs, by, [...values]));
    try {
      const want = noGrad(() => tidy(() => runGraph(g, { x: tensor(X, SHAPE, 'float32') })['y']!.toArray()));
      for (const opset of [11, 13, 18, 21]) {
        const s = await ort.InferenceSession.create(toOnnxBytes(g, { opset }));
        const got = (await s.run({ x: new ort.Tensor('float32', X, SHAPE) }))['y']!;
        await s.release();
        assertClose([...(got.data as Float32Array)], want, { atol: 1e-5, rtol: 1e-5, what: `${attrs.mode} at opset ${opset}` });
      }
    } finally {
      g.dispose();
    }
  }
});
