// Resize's per-axis sampling, computed in double precision exactly as the ONNX operator spec (and onnx.reference)
// defines it: coordinate transform, then nearest/linear/cubic coefficients (antialiased when asked), edge padding,
// exclude_outside and tf_crop_and_resize's extrapolation. The kernel applies the taps with engine ops.

export type ResizeMode = 'nearest' | 'linear' | 'cubic';
export const COORDINATE_MODES = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'] as const;
export type CoordinateMode = (typeof COORDINATE_MODES)[number];
export const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;
export type NearestMode = (typeof NEAREST_MODES)[number];

export interface ResizeAttrs {
  readonly mode: ResizeMode;
  readonly coordinate: CoordinateMode;
  readonly nearest: NearestMode;
  readonly cubicA: number;
  readonly excludeOutside: boolean;
  readonly antialias: boolean;
}

/** One axis: its input and output sizes, the scale factor (given, or output/input) and, for tf_crop_and_resize, the roi. */
export interface AxisPlan {
  readonly inSize: number;
  readonly outSize: number;
  readonly scale: number;
  readonly roi: readonly [number, number];
}

/**
 * Taps of one axis: output o reads input index[k][o] with weight[k][o] for k < count; `outside[o]` marks outputs
 * that tf_crop_and_resize maps outside the input (they take extrapolation_value, and their weights are 0).
 */
export interface Taps {
  readonly count: number;
  readonly index: Int32Array[];
  readonly weight: Float64Array[];
  readonly outside: Uint8Array | null;
}

const f = Math.fround;

/**
 * The source coordinate of output o along one axis, in float32 arithmetic as onnxruntime and libtorch compute it
 * (a pixel exactly on a rounding tie then goes where theirs goes), with align_corners over the unrounded output
 * length scale * in as the spec's reference does.
 */
function sourceCoordinate(o: number, p: AxisPlan, mode: CoordinateMode): number {
  const { inSize, outSize, roi } = p;
  const scale = f(p.scale);
  const width = f(scale * inSize);
  const centred = f(f(o + 0.5) / scale);
  switch (mode) {
    case 'align_corners':
      return width === 1 ? 0 : f(f(o * (inSize - 1)) / f(width - 1));
    case 'asymmetric':
      return f(o / scale);
    case 'tf_crop_and_resize': {
      const span = f(f(roi[1] - roi[0]) * (inSize - 1));
      return f((width === 1 ? f(span / 2) : f(f(o * span) / f(width - 1))) + f(roi[0] * (inSize - 1)));
    }
    case 'pytorch_half_pixel':
      return outSize > 1 ? f(centred - 0.5) : 0;
    case 'tf_half_pixel_for_nn':
      return centred;
    case 'half_pixel_symmetric': {
      const offset = f(f(inSize / 2) * f(1 - f(outSize / width)));
      return f(f(offset + centred) - 0.5);
    }
    case 'half_pixel':
      return f(centred - 0.5);
  }
}

function nearestCoeffs(ratio: number, mode: NearestMode): number[] {
  if (ratio === 1) return [0, 1];
  switch (mode) {
    case 'round_prefer_floor':
      return ratio <= 0.5 ? [1, 0] : [0, 1];
    case 'round_prefer_ceil':
      return ratio < 0.5 ? [1, 0] : [0, 1];
    case 'floor':
      return [1, 0];
    case 'ceil':
      return [0, 1];
  }
}

function cubicCoeffs(r: number, a: number): number[] {
  const s = 1 - r;
  return [
    ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
    ((a + 2) * r - (a + 3)) * r * r + 1,
    ((a + 2) * s - (a + 3)) * s * s + 1,
    ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a,
  ];
}

function cubicKernel(x0: number, a: number): number {
  const x = Math.abs(x0);
  if (x <= 1) return (a + 2) * x ** 3 - (a + 3) * x * x + 1;
  if (x < 2) return a * x ** 3 - 5 * a * x * x + 8 * a * x - 4 * a;
  return 0;
}

/** Coefficients for taps at left + start + k, where left is the input index just below the coordinate. */
function coefficients(ratio: number, scale: number, at: ResizeAttrs): { start: number; c: number[] } {
  if (at.mode === 'nearest') return { start: 0, c: nearestCoeffs(ratio, at.nearest) };
  if (!at.antialias) return at.mode === 'linear' ? { start: 0, c: [1 - ratio, ratio] } : { start: -1, c: cubicCoeffs(ratio, at.cubicA) };
  // Antialiasing widens the filter by 1/scale when shrinking (onnx.reference's *_coeffs_antialias).
  const s = Math.min(scale, 1);
  const reach = at.mode === 'linear' ? 1 : 2;
  const start = Math.floor(-reach / s) + 1;
  const c: number[] = [];
  for (let i = start; i < 2 - start; i++) {
    const arg = (i - ratio) * s;
    c.push(at.mode === 'linear' ? Math.min(Math.max(1 - Math.abs(arg), 0), 1) : cubicKernel(arg, at.cubicA));
  }
  const total = c.reduce((t, v) => t + v, 0);
  return { start, c: c.map((v) => v / total) };
}

/** The taps of one axis (see Taps). */
export function axisTaps(p: AxisPlan, at: ResizeAttrs): Taps {
  const rows: { left: number; start: number; c: number[]; out: boolean }[] = [];
  let count = 0;
  for (let o = 0; o < p.outSize; o++) {
    const x = sourceCoordinate(o, p, at.coordinate);
    if (at.coordinate === 'tf_crop_and_resize' && (x < 0 || x > p.inSize - 1)) {
      rows.push({ left: 0, start: 0, c: [], out: true });
      continue;
    }
    const integral = Number.isInteger(x);
    const left = integral ? x - 1 : Math.floor(x);
    const ratio = integral ? 1 : x - left;
    const { start, c } = coefficients(ratio, p.scale, at);
    // For nearest the one tap read is the nearest pixel, clamped: exclude_outside changes nothing there.
    if (at.excludeOutside && at.mode !== 'nearest') {
      let total = 0;
      c.forEach((v, k) => {
        const i = left + start + k;
        if (i < 0 || i >= p.inSize) c[k] = 0;
        else total += v;
      });
      for (let k = 0; k < c.length; k++) c[k]! /= total;
    }
    rows.push({ left, start, c, out: false });
    count = Math.max(count, c.length);
  }
  const index = Array.from({ length: count }, () => new Int32Array(p.outSize));
  const weight = Array.from({ length: count }, () => new Float64Array(p.outSize));
  const anyOutside = rows.some((r) => r.out);
  const outside = anyOutside ? Uint8Array.from(rows, (r) => (r.out ? 1 : 0)) : null;
  rows.forEach((r, o) => {
    r.c.forEach((v, k) => {
      index[k]![o] = Math.min(Math.max(r.left + r.start + k, 0), p.inSize - 1);
      weight[k]![o] = v;
    });
  });
  return { count, index, weight, outside };
}

/** Nearest taps as one index per output (the tap with weight 1; 0 for outputs outside a crop). */
export function nearestIndex(t: Taps): Int32Array {
  const n = t.index[0]?.length ?? 0;
  const out = new Int32Array(n);
  for (let o = 0; o < n; o++) for (let k = 0; k < t.count; k++) if (t.weight[k]![o] === 1) out[o] = t.index[k]![o]!;
  return out;
}
