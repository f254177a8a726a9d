// ConvTranspose, MaxPool and AveragePool against direct implementations of the ONNX definitions, for the cases the
// backend tests leave out: groups, dilations with output_padding, asymmetric pads, output_shape, SAME_LOWER, and
// ceil_mode with explicit pads. Also: only 2-D windows are supported, and the error names the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float, int, ints, string, type Attr } from '../../src/graph/index.js';
import { tensor } from '../../src/tensor/index.js';
import { assertClose } from '../helpers/assert-close.js';
import { runNode } from './run-node.js';

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

type Pads = { begin: [number, number]; end: [number, number] };

/** ONNX ConvTranspose by its definition: scatter every input pixel through the kernel, then take the output window. */
function convTransposeRef(x: Float32Array, xs: number[], w: Float32Array, ws: number[], b: Float32Array | null, o: { s: number[]; d: number[]; group: number; pads: Pads; out: number[] }): { shape: number[]; data: number[] } {
  const [n, c, h, wd] = xs as [number, number, number, number];
  const mPer = ws[1]!;
  const cPer = c / o.group;
  const [kh, kw] = [ws[2]!, ws[3]!];
  const m = mPer * o.group;
  const [oh, ow] = o.out as [number, number];
  const y = new Array<number>(n * m * oh * ow).fill(0);
  for (let in_ = 0; in_ < n; in_++)
    for (let ic = 0; ic < c; ic++) {
      const g = Math.floor(ic / cPer);
      for (let mm = 0; mm < mPer; mm++)
        for (let i = 0; i < h; i++)
          for (let j = 0; j < wd; j++)
            for (let a = 0; a < kh; a++)
              for (let bb = 0; bb < kw; bb++) {
                const r = i * o.s[0]! + a * o.d[0]! - o.pads.begin[0];
                const q = j * o.s[1]! + bb * o.d[1]! - o.pads.begin[1];
                if (r < 0 || r >= oh || q < 0 || q >= ow) continue;
                const oc = g * mPer + mm;
                y[((in_ * m + oc) * oh + r) * ow + q]! += x[((in_ * c + ic) * h + i) * wd + j]! * w[((ic * mPer + mm) * kh + a) * kw + bb]!;
              }
    }
  if (b) for (let k = 0; k < y.length; k++) y[k]! += b[Math.floor(k / (oh * ow)) % m]!;
  return { shape: [n, m, oh, ow], data: y };
}

const CONV_T: { name: string; xs: number[]; ws: number[]; bias: boolean; attrs: Record<string, Attr>; pads: Pads; out: number[] }[] = [
  // ONNX output size: (in - 1) * s + (k - 1) * d + 1 + output_padding - pad_begin - pad_end.
  { name: 'group 2, stride 2, symmetric pads, output_padding (libtorch path)', xs: [2, 4, 3, 4], ws: [4, 3, 3, 3], bias: true,
    attrs: { group: int(2), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) }, pads: { begin: [1, 1], end: [1, 1] }, out: [6, 8] },
  { name: 'asymmetric pads, dilation 2 (crop path)', xs: [1, 2, 4, 3], ws: [2, 2, 3, 2], bias: true,
    attrs: { dilations: ints([2, 2]), pads: ints([2, 0, 1, 3]) }, pads: { begin: [2, 0], end: [1, 3] }, out: [5, 2] },
  { name: 'output_padding with stride 1 and dilation 2', xs: [1, 1, 3, 3], ws: [1, 2, 2, 2], bias: false,
    attrs: { dilations: ints([2, 2]), output_padding: ints([1, 0]) }, pads: { begin: [0, 0], end: [0, 0] }, out: [6, 5] },
  { name: 'auto_pad SAME_LOWER puts the odd pad first', xs: [1, 1, 3, 3], ws: [1, 2, 3, 3], bias: true,
    attrs: { auto_pad: string('SAME_LOWER'), strides: ints([2, 2]) }, pads: { begin: [1, 1], end: [0, 0] }, out: [6, 6] },
  { name: 'output_shape beyond the full output (bias-only rows)', xs: [1, 1, 3, 3], ws: [1, 2, 3, 3], bias: true,
    attrs: { strides: ints([3, 2]), output_shape: ints([12, 9]) }, pads: { begin: [0, 0], end: [-1, -2] }, out: [12, 9] },
];

for (const c of CONV_T) {
  test(`ConvTranspose: ${c.name}`, () => {
    const xn = c.xs.reduce((a, b) => a * b, 1);
    const wn = c.ws.reduce((a, b) => a * b, 1);
    const x = values(xn, 1);
    const w = values(wn, 2);
    const m = c.ws[1]! * ((c.attrs['group']?.value as number | undefined) ?? 1);
    const b = c.bias ? values(m, 3) : null;
    const s = (c.attrs['strides']?.value as number[] | undefined) ?? [1, 1];
    const d = (c.attrs['dilations']?.value as number[] | undefined) ?? [1, 1];
    const want = convTransposeRef(x, c.xs, w, c.ws, b, { s, d, group: (c.attrs['group']?.value as number | undefined) ?? 1, pads: c.pads, out: c.out });
    const [y] = runNode('ConvTranspose', [tensor(x, c.xs), tensor(w, c.ws), b ? tensor(b, [m]) : null], c.attrs);
    assertClose(y!.data, want, { atol: 1e-5, rtol: 1e-5 });
    assert.deepEqual(y!.shape, want.shape);
  });
}

type PoolCase = { k: number[]; s: number[]; pads: number[]; ceil: boolean; includePad?: boolean };

/** ONNX MaxPool / AveragePool by definition, with ceil_mode ignoring windows that start in the end padding. */
function poolRef(kind: 'max' | 'avg', x: Float32Array, xs: number[], c: PoolCase): { shape: number[]; data: number[] } {
  const [n, ch, h, w] = xs as [number, number, number, number];
  const size = (d: number, len: number): number => {
    const span = c.k[d]!;
    const total = c.pads[d]! + c.pads[d + 2]!;
    const f = (len + total - span) / c.s[d]!;
    let out = (c.ceil ? Math.ceil(f) : Math.floor(f)) + 1;
    if (c.ceil && (out - 1) * c.s[d]! >= len + c.pads[d]!) out--;
    return out;
  };
  const [oh, ow] = [size(0, h), size(1, w)];
  const y: number[] = [];
  for (let p = 0; p < n * ch; p++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let best = -Infinity;
        let sum = 0;
        let count = 0;
        let padded = 0;
        for (let a = 0; a < c.k[0]!; a++)
          for (let b = 0; b < c.k[1]!; b++) {
            const r = i * c.s[0]! - c.pads[0]! + a;
            const q = j * c.s[1]! - c.pads[1]! + b;
            if (r >= -c.pads[0]! && r < h + c.pads[2]! && q >= -c.pads[1]! && q < w + c.pads[3]!) padded++;
            if (r < 0 || r >= h || q < 0 || q >= w) continue;
            const v = x[(p * h + r) * w + q]!;
            best = Math.max(best, v);
            sum += v;
            count++;
          }
        y.push(kind === 'max' ? best : sum / (c.includePad ? padded : count));
      }
  return { shape: [n, ch, oh, ow], data: y };
}

const POOLS: (PoolCase & { name: string })[] = [
  { name: 'asymmetric pads', k: [3, 3], s: [2, 2], pads: [0, 1, 2, 1], ceil: false },
  { name: 'asymmetric pads with ceil_mode', k: [3, 2], s: [2, 2], pads: [1, 0, 0, 1], ceil: true },
  { name: 'pads over half the kernel with ceil_mode', k: [2, 2], s: [3, 3], pads: [1, 1, 1, 1], ceil: true },
  { name: 'symmetric pads with ceil_mode (libtorch path)', k: [3, 3], s: [2, 2], pads: [1, 1, 1, 1], ceil: true },
];

for (const c of POOLS) {
  const xs = [1, 2, 7, 6];
  const x = values(2 * 7 * 6, 7);
  const attrs = { kernel_shape: ints(c.k), strides: ints(c.s), pads: ints(c.pads), ceil_mode: int(c.ceil ? 1 : 0) };
  test(`MaxPool: ${c.name}`, () => {
    const want = poolRef('max', x, xs, c);
    const [y] = runNode('MaxPool', [tensor(x, xs)], attrs);
    assert.deepEqual(y!.shape, want.shape);
    assertClose(y!.data, want.data, { atol: 1e-6 });
  });
  for (const includePad of [false, true]) {
    test(`AveragePool: ${c.name}, count_include_pad=${includePad ? 1 : 0}`, () => {
      const want = poolRef('avg', x, xs, { ...c, includePad });
      const [y] = runNode('AveragePool', [tensor(x, xs)], { ...attrs, count_include_pad: int(includePad ? 1 : 0) });
      assert.deepEqual(y!.shape, want.shape);
      assertClose(y!.data, want.data, { atol: 1e-6 });
    });
  }
}

test('MaxPool on uint8 keeps the dtype', () => {
  const [y] = runNode('MaxPool', [tensor(Uint8Array.from([1, 200, 3, 4]), [1, 1, 2, 2], 'uint8')], { kernel_shape: ints([2, 2]) });
  assert.deepEqual(y, { shape: [1, 1, 1, 1], dtype: 'uint8', data: [200] });
});

test('4-D convolutions and pools fail naming the node', () => {
  const cases: [string, number[], number[] | null, Record<string, Attr>][] = [
    ['Conv', [1, 1, 2, 2, 2, 2], [1, 1, 1, 1, 1, 1], {}],
    ['ConvTranspose', [1, 1, 2, 2, 2, 2], [1, 1, 1, 1, 1, 1], {}],
    ['MaxPool', [1, 1, 2, 2, 2, 2], null, { kernel_shape: ints([2, 2, 2, 2]) }],
    ['AveragePool', [1, 1, 2, 2, 2, 2], null, { kernel_shape: ints([2, 2, 2, 2]) }],
  ];
  for (const [op, xs, ws, attrs] of cases) {
    const inputs = [tensor(values(xs.reduce((a, b) => a * b, 1), 1), xs), ...(ws ? [tensor(values(ws.reduce((a, b) => a * b, 1), 2), ws)] : [])];
    assert.throws(() => runNode(op, inputs, attrs, { name: `my_${op}` }), (e: Error) => {
      assert.match(e.message, new RegExp(`node 'my_${op}' \\(${op}\\): .*-D .* is not supported`));
      return true;
    });
  }
});

test('MaxPool Indices count over the whole tensor, row- or column-major; with asymmetric pads they are refused naming the node', () => {
  // Two planes of [[0, 5, 2], [7, 1, 3]]: the 2x2 windows' maxima are 7 (h 1, w 0) and 5 (h 0, w 1); the second plane starts at 6.
  const plane = [0, 5, 2, 7, 1, 3];
  const x = tensor([...plane, ...plane], [1, 2, 2, 3]);
  const [, rowMajor] = runNode('MaxPool', [x], { kernel_shape: ints([2, 2]) }, { outputs: 2 });
  assert.deepEqual(rowMajor, { shape: [1, 2, 1, 2], dtype: 'int64', data: [3, 1, 9, 7] });
  const [, colMajor] = runNode('MaxPool', [x], { kernel_shape: ints([2, 2]), storage_order: int(1) }, { outputs: 2 });
  assert.deepEqual(colMajor, { shape: [1, 2, 1, 2], dtype: 'int64', data: [1, 2, 7, 8] });
  assert.throws(() => runNode('MaxPool', [tensor(values(16, 1), [1, 1, 4, 4])], { kernel_shape: ints([2, 2]), pads: ints([1, 1, 0, 0]) }, { outputs: 2, name: 'mp' }), /node 'mp' \(MaxPool\): the Indices output with asymmetric/);
});

test('LeakyRelu and HardSigmoid attributes reach the kernel', () => {
  const x = tensor([-2, 0.5], [2]);
  assertClose(runNode('LeakyRelu', [x], { alpha: float(0.5) })[0]!.data, [-1, 0.5]);
  assertClose(runNode('HardSigmoid', [x], { alpha: float(0.5), beta: float(0.6) })[0]!.data, [0, 0.85]);
});
