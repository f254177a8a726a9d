import { ints, string, type Node } from '../../graph/index.js';
import { fail, getInts, withDefaults, checkRange, type ImportContext } from './op.js';

/** Sizes beyond this in kernels, strides, dilations and pads are refused: no real network has them, and they could
 * make a small file ask for a huge tensor. */
export const MAX_WINDOW = 65535;

const AUTO_PADS = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

/**
 * Fills and checks the attributes shared by Conv, ConvTranspose, MaxPool and AveragePool: auto_pad, kernel_shape,
 * strides, dilations (when the op has them) and pads (only with auto_pad NOTSET, as the spec allows nothing else).
 * `spatial` is the number of spatial dims when known (from kernel_shape or the weight's rank).
 */
export function windowDefaults(node: Node, ctx: ImportContext, spatial: number | undefined, o: { dilations: boolean }): Node {
  const ks = getInts(node, 'kernel_shape');
  const s = ks?.length ?? spatial;
  const one = (v: number): number[] => Array.from({ length: s ?? 0 }, () => v);
  const defaults: Record<string, ReturnType<typeof ints>> = { auto_pad: string('NOTSET') };
  if (s !== undefined) {
    defaults['strides'] = ints(one(1));
    if (o.dilations) defaults['dilations'] = ints(one(1));
  }
  let n = withDefaults(node, ctx, defaults);
  const auto = n.attrs['auto_pad']!.value as string;
  if (!AUTO_PADS.includes(auto)) fail(n, ctx, `auto_pad '${auto}' is not one of ${AUTO_PADS.join(', ')}`);
  if (auto === 'NOTSET' && s !== undefined) n = withDefaults(n, ctx, { pads: ints([...one(0), ...one(0)]) });
  if (s !== undefined) {
    for (const [name, len] of [['kernel_shape', s], ['strides', s], ['dilations', s], ['pads', 2 * s]] as const) {
      const v = getInts(n, name);
      if (v && v.length !== len) fail(n, ctx, `attribute '${name}' has ${v.length} values, expected ${len} for ${s} spatial dims`);
    }
  }
  checkRange(n, ctx, 'kernel_shape', 1, MAX_WINDOW);
  checkRange(n, ctx, 'strides', 1, MAX_WINDOW);
  checkRange(n, ctx, 'dilations', 1, MAX_WINDOW);
  checkRange(n, ctx, 'pads', 0, MAX_WINDOW);
  return n;
}
