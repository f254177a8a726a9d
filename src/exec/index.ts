/** Runs graph IR models on the engine: kernels by ONNX op type, the executor, shape inference and MAC counting. */
export { runGraph, unsupportedNodes, type RunOptions } from './executor.js';
export { registerKernels, kernelFor, supportedOps, type BatchRows, type Kernel, type KernelContext } from './kernel.js';
export { inferShapes, countMacs, shapeAtBatch1, type InputShapes } from './analysis.js';
export { ruleShapes, SHAPE_ONLY, type ShapeOf } from './shape-rules.js';
export { walkShapes } from './shape-walk.js';
export { imageFeeds, imageInputShape, inputLayout, logitsValue, type InputLayout } from './classifier-io.js';
export { modelFeeds, inputTensors, batchRowsOf, mapInput, imagesOf, type ModelInput } from './model-input.js';
export { GlobalBatchNorm, trainedBatchNorms, type SumAcross } from './global-batch-norm.js';
export { FAKE_QUANTIZE_DOMAIN } from './kernels/fake-quantize.js';
