import { registerKernels } from '../kernel.js';
import { convKernels } from './conv.js';
import { normKernels } from './norm.js';
import { linearKernels } from './linear.js';
import { elementwiseKernels } from './elementwise.js';
import { poolKernels } from './pool.js';
import { shapeKernels } from './shape.js';

registerKernels({ ...convKernels, ...normKernels, ...linearKernels, ...elementwiseKernels, ...poolKernels, ...shapeKernels });
