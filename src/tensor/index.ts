/** The typed tensor API over libtorch: the only module that knows the addon exists. */
export { Tensor, tensor, liveTensors } from './tensor.js';
export type { DType, AnyTypedArray } from './dtype.js';
export { isFloating } from './dtype.js';
export { tidy, keep, noGrad, enableGrad, isGradEnabled } from './scope.js';
export { autocast, withoutAutocast, setPrecision, getPrecision, resolvePrecision, cpuFlags, cpuHasBf16, BF16_CPU_FLAGS, PRECISIONS } from './precision.js';
export type { Precision, PrecisionChoice, ResolvedPrecision } from './precision.js';
export { manualSeed, setNumThreads, getNumThreads, torchVersion, cudaDeviceCount, saveTensors, loadTensors } from './runtime.js';
export * from './ops/create.js';
export * from './ops/math.js';
export * from './ops/shape.js';
export * from './ops/nn.js';
export * from './ops/loss.js';
export * from './ops/inplace.js';
export * from './ops/fake-quantize.js';
export { customFunction, liveCustomFunctions, type Backward } from './custom.js';
export { call as callAten, callMany as callAtenMany, callManyOptional as callAtenOptional } from './ops/call.js';
export { initProcessGroup, allReduce, broadcast, barrier, shutdownProcessGroup, processGroupInfo, distributedBackends } from './collectives.js';
export type { ProcessGroupOptions, ReduceOp } from './collectives.js';
