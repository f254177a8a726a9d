import { float, int, string, type Node } from '../../graph/index.js';
import { OnnxError } from '../errors.js';
import { dropAttrs, fail, withDefaults, where, type ExportContext, type ImportContext, type OpMapping } from './op.js';

const MODES = ['nearest', 'linear', 'cubic'];
const NEAREST = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];
const POLICIES = ['stretch', 'not_larger', 'not_smaller'];
/** Coordinate transforms by the opsets that have them (tf_half_pixel_for_nn went at 13, half_pixel_symmetric came at 19). */
function coordinateModes(opset: number): string[] {
  return ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize', ...(opset < 13 ? ['tf_half_pixel_for_nn'] : []), ...(opset >= 19 ? ['half_pixel_symmetric'] : [])];
}

const emptyFloats = { dtype: 'float32' as const, shape: [0], data: new Float32Array(0) };

/**
 * Resize (10, 11, 13, 18, 19). Opset 10's Resize and opsets 7–9's Upsample are read as Resize-11 (see upgrade.ts);
 * import fills every default of the graph's opset and checks the strings; export writes the form of the target
 * opset: roi and scales as (empty) inputs before 13, antialias, axes and keep_aspect_ratio_policy only from 18,
 * half_pixel_symmetric only from 19, tf_half_pixel_for_nn with floor as half_pixel with round_prefer_ceil from 13.
 */
export const Resize: OpMapping = {
  opType: 'Resize',
  import(node: Node, ctx: ImportContext): Node {
    const n = withDefaults(node, ctx, {
      mode: string('nearest'), coordinate_transformation_mode: string('half_pixel'), nearest_mode: string('round_prefer_floor'),
      cubic_coeff_a: float(-0.75), exclude_outside: int(0), extrapolation_value: float(0),
      ...(ctx.opset >= 18 ? { antialias: int(0), keep_aspect_ratio_policy: string('stretch') } : {}),
    });
    const check = (attr: string, allowed: readonly string[]): void => {
      const v = n.attrs[attr]!.value as string;
      if (!allowed.includes(v)) fail(n, ctx, `${attr} '${v}' is not one of ${allowed.join(', ')} at opset ${ctx.opset}`);
    };
    check('mode', MODES);
    check('nearest_mode', NEAREST);
    check('coordinate_transformation_mode', coordinateModes(ctx.opset));
    if (ctx.opset >= 18) check('keep_aspect_ratio_policy', POLICIES);
    if (!node.inputs[2] && !node.inputs[3]) fail(n, ctx, 'needs scales or sizes');
    return n;
  },
  export(node: Node, ctx: ExportContext): Node[] {
    let n = node;
    const mode = (a: string): string => n.attrs[a]?.value as string;
    const refuse = (what: string): never => {
      throw new OnnxError(`node '${node.name}' (Resize): ${what}; cannot write it at opset ${ctx.to}`, where(node, ctx));
    };
    if (ctx.to >= 13 && mode('coordinate_transformation_mode') === 'tf_half_pixel_for_nn') {
      if (mode('nearest_mode') !== 'floor' || mode('mode') !== 'nearest') refuse('tf_half_pixel_for_nn exists before opset 13 only, and only its nearest floor form has a later equivalent');
      n = { ...n, attrs: { ...n.attrs, coordinate_transformation_mode: string('half_pixel'), nearest_mode: string('round_prefer_ceil') } };
    }
    if (ctx.to < 19 && mode('coordinate_transformation_mode') === 'half_pixel_symmetric') refuse('half_pixel_symmetric exists from opset 19');
    if (ctx.to < 18) {
      if (n.attrs['axes']) refuse('axes exist from opset 18');
      if ((n.attrs['antialias']?.value ?? 0) !== 0) refuse('antialias exists from opset 18');
      if ((n.attrs['keep_aspect_ratio_policy']?.value ?? 'stretch') !== 'stretch') refuse('keep_aspect_ratio_policy exists from opset 18');
      n = dropAttrs(n, 'antialias', 'keep_aspect_ratio_policy');
    }
    if (ctx.to < 13) {
      const inputs = [...n.inputs];
      if (!inputs[1]) inputs[1] = ctx.constant(`${node.name}_roi`, emptyFloats);
      if (!inputs[2]) inputs[2] = ctx.constant(`${node.name}_scales`, emptyFloats);
      n = { ...n, inputs };
    }
    return [n];
  },
};
