import { registerKernels } from '../kernel.js';
import { convKernels } from './conv.js';
import { convTransposeKernels } from './conv-transpose.js';
import { normKernels } from './norm.js';
import { linearKernels } from './linear.js';
import { elementwiseKernels } from './elementwise.js';
import { mathKernels } from './math.js';
import { poolKernels } from './pool.js';
import { reduceKernels } from './reduce.js';
import { shapeKernels } from './shape.js';
import { dimsKernels } from './dims.js';
import { indexingKernels } from './indexing.js';
import { dtypeKernels } from './dtype.js';
import { wildKernels } from './wild-ops.js';
import { resizeKernels } from './resize.js';
import { variadicKernels } from './variadic.js';
import { fakeQuantizeKernels } from './fake-quantize.js';
import { quantizeLinearKernels } from './quantize-linear.js';

registerKernels({
  ...convKernels, ...convTransposeKernels, ...normKernels, ...linearKernels, ...elementwiseKernels, ...mathKernels, ...poolKernels,
  ...reduceKernels, ...shapeKernels, ...dimsKernels, ...indexingKernels, ...dtypeKernels,
});
registerKernels(wildKernels);
registerKernels(resizeKernels);
registerKernels(variadicKernels);
registerKernels(fakeQuantizeKernels);
registerKernels(quantizeLinearKernels);
