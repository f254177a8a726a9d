import { add, callAten, cast, clone, indexSelect, isFloating, mul, reshape, tensor as hostTensor, toDevice, type Tensor } from '../../tensor/index.js';
import { attrFloat, attrInt, attrInts, attrString } from '../../graph/index.js';
import type { Kernel, KernelContext } from '../kernel.js';
import { checkedAxis, intsOf, invalid } from './util.js';
import { axisTaps, COORDINATE_MODES, nearestIndex, NEAREST_MODES, type AxisPlan, type CoordinateMode, type NearestMode, type ResizeAttrs, type ResizeMode } from './resize-taps.js';

/** Outputs beyond this many elements are refused: a small file could otherwise ask for a huge tensor. */
const MAX_OUTPUT = 2 ** 31;

export function readAttrs(ctx: KernelContext): ResizeAttrs {
  const n = ctx.node;
  const mode = attrString(n, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') invalid(ctx, `mode '${mode}' is not nearest, linear or cubic`);
  const coordinate = attrString(n, 'coordinate_transformation_mode', 'half_pixel');
  if (!(COORDINATE_MODES as readonly string[]).includes(coordinate)) invalid(ctx, `coordinate_transformation_mode '${coordinate}' is not one of ${COORDINATE_MODES.join(', ')}`);
  const nearest = attrString(n, 'nearest_mode', 'round_prefer_floor');
  if (!(NEAREST_MODES as readonly string[]).includes(nearest)) invalid(ctx, `nearest_mode '${nearest}' is not one of ${NEAREST_MODES.join(', ')}`);
  const antialias = attrInt(n, 'antialias', 0) === 1;
  if (antialias && mode === 'nearest') invalid(ctx, 'antialias applies to linear and cubic modes only');
  return {
    mode: mode as ResizeMode, coordinate: coordinate as CoordinateMode, nearest: nearest as NearestMode,
    cubicA: attrFloat(n, 'cubic_coeff_a', -0.75), excludeOutside: attrInt(n, 'exclude_outside', 0) === 1, antialias,
  };
}

const present = (t: Tensor | null | undefined): t is Tensor => !!t && t.numel > 0;

/** Per-axis sizes, scales and roi from the inputs and the axes / keep_aspect_ratio_policy attributes. */
export function plan(x: Tensor, inputs: readonly (Tensor | null)[], ctx: KernelContext, at: ResizeAttrs): AxisPlan[] {
  const rank = x.rank;
  const shape = x.shape;
  const given = attrInts(ctx.node, 'axes', []);
  const axes = given.length ? given.map((a) => checkedAxis(a, rank, ctx)) : shape.map((_, i) => i);
  if (new Set(axes).size !== axes.length) invalid(ctx, `axes [${given.join(', ')}] repeat an axis`);
  const scalesT = inputs[2];
  const sizesT = inputs[3];
  if (present(scalesT) === present(sizesT)) invalid(ctx, 'exactly one of scales and sizes must be given');
  const roiT = inputs[1];
  const roiValues: number[] = present(roiT) ? (cast(roiT, 'float64').toArray() as number[]) : [];
  if (at.coordinate === 'tf_crop_and_resize' && roiValues.length !== 2 * axes.length) invalid(ctx, `tf_crop_and_resize needs an roi of ${2 * axes.length} values, got ${roiValues.length}`);
  const scales = shape.map(() => 1);
  const sizes = [...shape];
  if (present(scalesT)) {
    const s = cast(scalesT, 'float64').toArray() as number[];
    if (s.length !== axes.length) invalid(ctx, `${s.length} scales for ${axes.length} axes`);
    axes.forEach((a, k) => {
      if (!(s[k]! > 0)) invalid(ctx, `scale ${s[k]} on axis ${a} is not positive`);
      scales[a] = s[k]!;
      sizes[a] = Math.floor(s[k]! * shape[a]!);
    });
  } else {
    const z = intsOf(sizesT!);
    if (z.length !== axes.length) invalid(ctx, `${z.length} sizes for ${axes.length} axes`);
    if (z.some((v) => v < 0)) invalid(ctx, `sizes [${z.join(', ')}] hold a negative size`);
    const policy = attrString(ctx.node, 'keep_aspect_ratio_policy', 'stretch');
    if (!['stretch', 'not_larger', 'not_smaller'].includes(policy)) invalid(ctx, `keep_aspect_ratio_policy '${policy}' is not stretch, not_larger or not_smaller`);
    const ratios = axes.map((a, k) => z[k]! / shape[a]!);
    if (policy === 'stretch') {
      axes.forEach((a, k) => ((scales[a] = ratios[k]!), (sizes[a] = z[k]!)));
    } else {
      const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      for (const a of axes) {
        scales[a] = s;
        sizes[a] = Math.floor(s * shape[a]! + 0.5);
      }
    }
  }
  if (sizes.reduce((p, d) => p * d, 1) > MAX_OUTPUT) invalid(ctx, `output shape [${sizes.join(', ')}] is too large`);
  return shape.map((inSize, a) => {
    const k = axes.indexOf(a);
    const roi: [number, number] = k >= 0 && roiValues.length ? [roiValues[k]!, roiValues[axes.length + k]!] : [0, 1];
    return { inSize, outSize: sizes[a]!, scale: scales[a]!, roi };
  });
}

/** An axis the op leaves as it is: same size, scale 1, and a transform that maps each index to itself. */
const unchanged = (p: AxisPlan, at: ResizeAttrs): boolean => p.outSize === p.inSize && p.scale === 1 && at.coordinate !== 'tf_crop_and_resize' && at.coordinate !== 'tf_half_pixel_for_nn';

/**
 * libtorch's own upsampling kernel for the cases it computes exactly as ONNX does: only the spatial dims of an
 * [N, C, ...] input of rank 3 to 5 change, each by its size ratio; nearest with asymmetric/floor
 * (upsample_nearest*) or the half-pixel transforms with round_prefer_ceil (_upsample_nearest_exact*); linear with
 * align_corners or half_pixel (upsample_linear1d / bilinear2d / trilinear3d); cubic on 2-D with a = -0.75 and
 * nothing excluded (upsample_bicubic2d). Returns null where it does not apply.
 */
export function atenResize(x: Tensor, p: AxisPlan[], at: ResizeAttrs): Tensor | null {
  const rank = x.rank;
  if (rank < 3 || rank > 5 || !(x.dtype === 'float32' || x.dtype === 'float64') || at.antialias) return null;
  if (!unchanged(p[0]!, at) || !unchanged(p[1]!, at)) return null;
  const spatial = p.slice(2);
  if (spatial.some((s) => s.outSize === 0 || Math.abs(s.scale * s.inSize - s.outSize) > 1e-9 * s.outSize)) return null;
  const size = spatial.map((s) => s.outSize);
  const d = rank - 2;
  const nulls = spatial.map(() => null);
  const halfPixel = at.coordinate === 'half_pixel' || (at.coordinate === 'pytorch_half_pixel' && size.every((o) => o > 1));
  if (at.mode === 'nearest') {
    if (at.coordinate === 'asymmetric' && at.nearest === 'floor') return callAten(`upsample_nearest${d}d`, '', x, size, ...nulls);
    const exact = (halfPixel && at.nearest === 'round_prefer_ceil') || (at.coordinate === 'tf_half_pixel_for_nn' && at.nearest === 'floor');
    return exact ? callAten(`_upsample_nearest_exact${d}d`, '', x, size, ...nulls) : null;
  }
  const align = at.coordinate === 'align_corners';
  if (!align && !halfPixel) return null;
  if (at.mode === 'linear') return callAten(['', 'upsample_linear1d', 'upsample_bilinear2d', 'upsample_trilinear3d'][d]!, '', x, size, align, ...nulls);
  if (d !== 2 || at.cubicA !== -0.75 || at.excludeOutside) return null;
  return callAten('upsample_bicubic2d', '', x, size, align, ...nulls);
}

/** Any Resize by its taps, an axis at a time: index_select per tap, weighted and summed (autograd through both). */
export function tapResize(x0: Tensor, p: AxisPlan[], at: ResizeAttrs, extrapolation: number): Tensor {
  const device = x0.device;
  // Indices and weights are made on the host and moved to the input's device.
  const tensor = (data: Int32Array | Float64Array | Float32Array, shape: number[], dtype: 'int32' | 'float64' | 'float32'): Tensor => {
    const t = hostTensor(data, shape, dtype);
    return device === 'cpu' ? t : toDevice(t, device);
  };
  const blend = at.mode !== 'nearest';
  const wdtype = isFloating(x0.dtype) ? x0.dtype : 'float32';
  let y = blend && !isFloating(x0.dtype) ? cast(x0, 'float32') : x0;
  p.forEach((axis, a) => {
    if (unchanged(axis, at)) return;
    const taps = axisTaps(axis, at);
    const view = p.map((_, i) => (i === a ? axis.outSize : 1));
    let next: Tensor;
    if (!blend) {
      next = indexSelect(y, a, tensor(Int32Array.from(nearestIndex(taps)), [axis.outSize], 'int32'));
    } else {
      // Every output outside the crop: zeros of the output's shape, filled below.
      next = mul(indexSelect(y, a, tensor(new Int32Array(axis.outSize), [axis.outSize], 'int32')), 0);
      for (let k = 0; k < taps.count; k++) {
        const term = mul(indexSelect(y, a, tensor(taps.index[k]!, [axis.outSize], 'int32')), reshape(cast(tensor(taps.weight[k]!, [axis.outSize], 'float64'), wdtype), view));
        next = k === 0 ? term : add(next, term);
      }
    }
    if (taps.outside) {
      const m = reshape(tensor(Float32Array.from(taps.outside), [axis.outSize], 'float32'), view);
      const keep = cast(callAten('eq', 'Scalar', m, 0), next.dtype);
      next = add(mul(next, keep), mul(cast(m, isFloating(next.dtype) ? next.dtype : 'float32'), extrapolation));
    }
    y = next;
  });
  if (y === x0) return clone(x0);
  return y.dtype === x0.dtype ? y : cast(isFloating(y.dtype) ? callAten('trunc', '', y) : y, x0.dtype);
}

/**
 * Resize (11, 13, 18, 19; opsets 7–10's Upsample and Resize are read into this form): every mode, coordinate
 * transform, nearest mode, cubic_coeff_a, exclude_outside, extrapolation_value, antialias, axes and
 * keep_aspect_ratio_policy, from scales or sizes. libtorch's upsampling kernels where they compute the same thing,
 * the taps otherwise.
 */
const Resize: Kernel = (inputs, ctx) => {
  const x = inputs[0] ?? invalid(ctx, 'input X is required');
  const at = readAttrs(ctx);
  const p = plan(x, inputs, ctx, at);
  return [atenResize(x, p, at) ?? tapResize(x, p, at, attrFloat(ctx.node, 'extrapolation_value', 0))];
};

export const resizeKernels: Record<string, Kernel> = { Resize };
