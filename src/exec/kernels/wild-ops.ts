import type { Kernel } from '../kernel.js';
import { logicKernels } from './logic.js';
import { scatterKernels } from './scatter.js';
import { generateKernels } from './generate.js';
import { axisKernels } from './axis-ops.js';
import { groupNormKernels } from './group-norm.js';
import { rnnKernels } from './rnn.js';
import { unaryExtraKernels } from './unary-extra.js';

/** The ops that models from other exporters bring (transformers, sequence models): issue 33. */
export const wildKernels: Record<string, Kernel> = {
  ...logicKernels, ...scatterKernels, ...generateKernels, ...axisKernels, ...groupNormKernels, ...rnnKernels, ...unaryExtraKernels,
};
