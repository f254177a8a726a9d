/** Runs graph IR models on the engine: kernels by ONNX op type, the executor, shape inference and MAC counting. */
export { runGraph, unsupportedNodes, type RunOptions } from './executor.js';
export { registerKernels, kernelFor, supportedOps, type Kernel, type KernelContext } from './kernel.js';
export { inferShapes, countMacs, shapeAtBatch1, type InputShapes } from './analysis.js';
export { imageFeeds, imageInputShape, inputLayout, logitsValue, type InputLayout } from './classifier-io.js';
export { GlobalBatchNorm, trainedBatchNorms, type SumAcross } from './global-batch-norm.js';
