/**
 * whittle-nn: progressive channel pruning with knowledge distillation, on libtorch.
 *
 * The workflow functions (what the `whittle` commands call): {@link loadOnnx}, {@link saveOnnx}, {@link inspect},
 * {@link openDataset}, {@link prune}, {@link trainTeacher}, {@link compress}, {@link evaluate}. Option names are the
 * CLI flags in camelCase. Every error thrown on purpose is a {@link WhittleError} with a `code`.
 *
 * @packageDocumentation
 */
import type { Graph } from './graph/index.js';

/** A model: the graph whittle loads from and saves to ONNX. It owns native tensors: call `dispose()` when done. */
export type Model = Graph;

export { inspect, openDataset, describeDataset, prune, trainTeacher, evaluate, compress, readRunReport, writeReport, infer, inferNpy, inferFiles } from './api/index.js';
export type { ModelReport, DatasetReport, PruneOutcome as PruneResult, TrainTeacherEvent, Evaluation, CompressEvent, CompressReport } from './api/index.js';
/** Options of the API functions: each is declared once in a spec (src/options), which the CLI's flags come from too. */
export type {
  CompressOptions, PruneApiOptions as PruneOptions, TrainTeacherOptions, EvaluateOptions, InspectOptions, DatasetOptions, OptionsOf, Opt, Spec, Shape, Defined,
} from './options/index.js';
export { compressSpec, pruneSpec, trainTeacherSpec, evaluateSpec, inspectSpec, openDatasetSpec } from './options/index.js';
export type { StepReport, EpochRow, TeacherSummary, DataSummary } from './pipeline/report.js';
export type { RunConfig } from './pipeline/run-config.js';
export { CRITERIA, type Metric, type Criterion, type GroupReport, type Untouched } from './prune/index.js';
export * from './errors.js';
export { AbortedError } from './distill/index.js';
export { loadOnnx, saveOnnx, toOnnxBytes, OnnxError, MIN_OPSET, MAX_OPSET, MIN_WRITE_OPSET, type LoadOptions, type SaveOptions } from './onnx/index.js';
export type { OnnxWhere } from './onnx/errors.js';
export { Graph, GraphError, GraphBuilder, type Node, type ValueInfo, type Initializer, type InitializerKind, type Attr, type Attrs, type Dim, type TensorData, type GraphParts, type ConvSpec } from './graph/index.js';
export { BatchLoader, prefetchEpoch, toTensors, writeContactSheet, matchInputs, imageStore, isTensorStore, IGNORE_INDEX, type Dataset, type Batch, type BatchTensor, type DataSpec, type Split, type ImageStore, type TensorStore, type TensorColumn, type SampleStore, type SampleDType, type LabelInfo, type LabelKind, type InputInfo, type AugmentOptions, type PixelType, type ImageShape, type LoaderState, type LoaderSource, type LoaderOptions, type ContactSheetOptions } from './data/index.js';
export { ZOO, SEGMENT_ZOO, ALL_ZOO, buildZooGraph, type ZooArch, type ZooSpec } from './zoo/index.js';
export { runGraph, inferShapes, countMacs, supportedOps, type RunOptions, type InputShapes } from './exec/index.js';
export * from './tensor/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
