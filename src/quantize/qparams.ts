/** The integer types activations are stored in: uint8 (onnxruntime's fast path on x86) or int8. */
export const ACTIVATION_TYPES = ['uint8', 'int8'] as const;
export type ActivationType = (typeof ACTIVATION_TYPES)[number];

/** An affine quantization: real = scale * (q - zeroPoint). */
export type QParams = { readonly scale: number; readonly zeroPoint: number };

const LIMITS: Record<ActivationType, [number, number]> = { uint8: [0, 255], int8: [-128, 127] };

/**
 * Scale and zero point for real values in [lo, hi], widened to hold 0 exactly (padding and ReLU's zeros must stay
 * exact), asymmetric over the type's 256 levels. A range of one point gets scale 1.
 */
export function activationParams(lo: number, hi: number, type: ActivationType): QParams {
  const [qmin, qmax] = LIMITS[type];
  const a = Math.min(lo, 0);
  const b = Math.max(hi, 0);
  if (!(b > a)) return { scale: 1, zeroPoint: type === 'uint8' ? 0 : -128 };
  // stored as float32 in the model: the bias scale and every check use that value
  const scale = Math.fround((b - a) / (qmax - qmin));
  const zeroPoint = Math.min(qmax, Math.max(qmin, Math.round(qmin - a / scale)));
  return { scale, zeroPoint };
}

/**
 * Symmetric int8 quantization per slice along `axis` (the output channels): scale_c = max|w_c| / 127, zero point 0,
 * q = round(w / scale_c) in [-127, 127]. A slice of zeros gets scale 1.
 */
export function quantizeWeight(w: Float32Array, shape: readonly number[], axis: number): { q: Int8Array; scales: Float32Array } {
  const channels = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number): number => Math.floor(i / inner) % channels;
  const maxAbs = new Float32Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = channelOf(i);
    maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(w[i]!));
  }
  const scales = maxAbs.map((m) => (m > 0 ? m / 127 : 1)); // a Float32Array: float32 as stored
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w[i]! / scales[channelOf(i)]!)));
  return { q, scales };
}

/** A bias as int32 at scale inputScale * weightScale_c (zero point 0): what the integer kernels add to their sums. */
export function quantizeBias(b: Float32Array, inputScale: number, weightScales: Float32Array): { q: Int32Array; scales: Float32Array } {
  const scales = weightScales.map((s) => inputScale * s);
  const q = new Int32Array(b.length);
  for (let i = 0; i < b.length; i++) q[i] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(b[i]! / scales[i]!)));
  return { q, scales };
}

/** Signal-to-quantization-noise ratio in dB: 10 log10(sum x^2 / sum (x - y)^2); Infinity when they agree. */
export function sqnrDb(reference: ArrayLike<number>, quantized: ArrayLike<number>): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < reference.length; i++) {
    const x = reference[i]!;
    signal += x * x;
    noise += (x - quantized[i]!) ** 2;
  }
  if (noise === 0) return Infinity;
  return 10 * Math.log10(signal / noise);
}
