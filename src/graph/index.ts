/** The graph IR: the one model representation (ONNX maps to and from it). */
export type { Dim, ValueInfo, TensorData, Attr, Attrs, Node, Initializer, InitializerKind } from './ir.js';
export { Graph, GraphError, topoSort, markFixedBatch, fixedBatchOf, type GraphParts, type FixedBatch } from './graph.js';
export { attrInt, attrFloat, attrString, attrInts, attrFloats, attrTensor, int, float, ints, floats, string, noAttrs } from './attrs.js';
export { GraphBuilder, type ConvSpec } from './builder.js';
export { bareConvs, insertBatchNorm, insertFreshBatchNorm, insertedBatchNorms, foldBatchNorm, foldableBatchNorms, isRunningStatistic, STATISTIC_INPUTS, PRE_BN_SUFFIX, type ChannelStats } from './batch-norm.js';
export { reduceAxes } from './reduce-axes.js';
export { freshInit } from './fresh-init.js';
export { replaceHead } from './new-head.js';
