/** whittle-nn: the public entry point. */
export * from './tensor/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './errors.js';
export { Graph, GraphError, GraphBuilder, type Node, type ValueInfo, type Initializer, type InitializerKind, type Attr, type Dim } from './graph/index.js';
export { runGraph, inferShapes, countMacs, supportedOps, type RunOptions, type InputShapes } from './exec/index.js';
export { ZOO, buildZooGraph, type ZooArch } from './zoo/index.js';
export { loadOnnx, saveOnnx, toOnnxBytes, OnnxError, MIN_OPSET, MAX_OPSET, type LoadOptions, type SaveOptions } from './onnx/index.js';
export { openDataset, BatchLoader, prefetchEpoch, toTensors, type Dataset, type Batch, type OpenDatasetOptions } from './data/index.js';
