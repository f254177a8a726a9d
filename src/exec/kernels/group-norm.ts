import { callAten } from '../../tensor/index.js';
import { attrFloat, attrInt } from '../../graph/index.js';
import type { Kernel } from '../kernel.js';
import { invalid, need } from './util.js';

/** InstanceNormalization: per sample and channel over the spatial dims, then scale and bias per channel. */
const InstanceNormalization: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  if (x.rank < 3) invalid(ctx, `input of rank ${x.rank} (at least 3: N, C, spatial...)`);
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  return [callAten('instance_norm', '', x, need(inputs, 1, ctx), need(inputs, 2, ctx), null, null, true, 0.1, eps, false)];
};

/**
 * GroupNormalization. Opset 18 gives scale and bias per group (G values, each shared by the group's channels), opset
 * 21 per channel (C values); libtorch's group_norm takes them per channel, so per-group ones are repeated. The two
 * forms agree when G = C, so the length decides.
 */
const GroupNormalization: Kernel = (inputs, ctx) => {
  const x = need(inputs, 0, ctx);
  const groups = attrInt(ctx.node, 'num_groups', 0);
  const c = x.shape[1] ?? 0;
  if (x.rank < 2 || groups < 1 || c % groups !== 0) invalid(ctx, `num_groups ${groups} does not divide the ${c} channels`);
  const perChannel = (i: number) => {
    const t = need(inputs, i, ctx);
    if (t.numel === c) return t;
    if (t.numel !== groups) invalid(ctx, `input ${i} has ${t.numel} values, expected ${groups} (per group) or ${c} (per channel)`);
    return callAten('repeat_interleave', 'self_int', t, c / groups, 0, null);
  };
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  return [callAten('group_norm', '', x, groups, perChannel(1), perChannel(2), eps, false)];
};

export const groupNormKernels: Record<string, Kernel> = { InstanceNormalization, GroupNormalization };
