// The official ONNX backend node tests (Debian's libonnx-testdata): finding the folders, choosing the ones whose ops
// whittle runs, reading their TensorProto .pb files, and the table of tests skipped on purpose.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { callAten, tensor, type Tensor } from '../../src/tensor/index.js';
import { decodeModel, encodeModel, DataType } from '../../src/onnx/index.js';
import { onnxSchema } from '../../src/onnx/proto/onnx-schema.js';
import { num, type TensorProto } from '../../src/onnx/proto/index.js';
import { readTensorProto } from '../../src/onnx/tensor-proto.js';
import { WILD_OPS, WILD_SAME_AT_11, WILD_SKIPS } from './wild-ops.js';

/** Where the node tests are: $ONNX_NODE_TESTS, or where Debian's libonnx-testdata installs them. */
export const NODE_DIR = process.env['ONNX_NODE_TESTS'] ?? '/usr/share/libonnx-testdata/data/node';

/** The ops issue 3 lists: a node test runs when all of its ops are here or in EXTRA_OPS. */
export const ISSUE_OPS = new Set([
  'Conv', 'ConvTranspose', 'BatchNormalization', 'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Relu', 'LeakyRelu', 'Clip', 'Sigmoid',
  'HardSigmoid', 'HardSwish', 'Tanh', 'Softmax', 'LogSoftmax', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'ReduceMean', 'Concat',
  'Split', 'Slice', 'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Pad', 'Dropout', 'Identity', 'Constant', 'Shape',
  'Gather', 'LayerNormalization',
]);

/** Ops the executor also runs because exporters emit them (Cast, the Erf GELU, decomposed LayerNorm and Softmax). */
export const EXTRA_OPS = new Set([
  'Cast', 'ConstantOfShape', 'Expand', 'Pow', 'Sqrt', 'Erf', 'Exp', 'Log', 'Neg', 'Abs', 'Reciprocal', 'Equal', 'Less', 'Greater',
  'Where', 'ReduceSum', 'ReduceMax', 'GlobalMaxPool',
  // int8 files (QDQ) evaluated on the engine
  'QuantizeLinear', 'DequantizeLinear',
]);

/** Issue 33's opset 6–21 ops: Resize/Upsample, the variadic and Reduce ops, Hardmax, the opset-6 era activations. */
export const OPSET_OPS = new Set([
  'Upsample', 'Resize', 'Hardmax', 'Sum', 'Mean', 'Max', 'Min', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare',
  'ReduceLogSum', 'ReduceLogSumExp', 'PRelu', 'Elu', 'Selu', 'Softsign',
]);

/**
 * Node tests left out on purpose, by reason: each exercises something outside issue 3 or outside what whittle holds.
 * Every name is checked against the installed test data, so the table cannot silently go stale.
 */
export const SKIPS: Record<string, readonly string[]> = {
  'dtype whittle does not hold (float16, bfloat16 stored as uint16, string, uint32, uint64)': [
    'test_cast_BFLOAT16_to_FLOAT', 'test_cast_DOUBLE_to_FLOAT16', 'test_cast_FLOAT16_to_DOUBLE', 'test_cast_FLOAT16_to_FLOAT',
    'test_cast_FLOAT_to_BFLOAT16', 'test_cast_FLOAT_to_FLOAT16', 'test_cast_FLOAT_to_STRING', 'test_cast_STRING_to_FLOAT',
    'test_castlike_BFLOAT16_to_FLOAT_expanded', 'test_castlike_DOUBLE_to_FLOAT16_expanded', 'test_castlike_FLOAT16_to_DOUBLE_expanded',
    'test_castlike_FLOAT16_to_FLOAT_expanded', 'test_castlike_FLOAT_to_BFLOAT16_expanded', 'test_castlike_FLOAT_to_FLOAT16_expanded',
    'test_castlike_FLOAT_to_STRING_expanded', 'test_castlike_STRING_to_FLOAT_expanded', 'test_pow_types_float32_uint32',
    'test_pow_types_float32_uint64',
    'test_max_float16', 'test_max_uint16', 'test_max_uint32', 'test_max_uint64', 'test_min_float16', 'test_min_uint16', 'test_min_uint32',
    'test_min_uint64',
  ],
  'optional and sequence values (not tensors)': ['test_identity_opt', 'test_identity_sequence'],
  'training-mode Dropout with a nonzero ratio (random; numpy RNG outputs)': [
    'test_training_dropout', 'test_training_dropout_default', 'test_training_dropout_default_mask', 'test_training_dropout_mask',
  ],
  ...WILD_SKIPS,
};

/**
 * Ops unchanged from opset 1 to 11: a node test of opset 1 to 5 (below what whittle reads) that uses only these
 * means the same at opset 11, so it is read as an opset-11 model. Opsets 6 to 10 are read as they are.
 */
const SAME_AT_11: Record<string, number> = { GlobalAveragePool: 1, GlobalMaxPool: 1, ...WILD_SAME_AT_11 };

/**
 * One node test folder. `training` is set when a BatchNormalization node has training_mode=1: whittle's IR keeps
 * BatchNorm in inference form and chooses the mode per run, so such a test runs with { training: true }.
 */
export type NodeCase = { name: string; dir: string; ops: string[]; opset: number; extraOnly: boolean; training: boolean };

/** The node test folders whose ops all run on whittle, sorted by name; [] when the test data is not installed. */
export function listCases(): NodeCase[] {
  if (!existsSync(NODE_DIR)) return [];
  const out: NodeCase[] = [];
  for (const name of readdirSync(NODE_DIR).sort()) {
    const dir = join(NODE_DIR, name);
    if (!existsSync(join(dir, 'model.onnx'))) continue;
    const m = decodeModel(readFileSync(join(dir, 'model.onnx')), name);
    const ops = [...new Set((m.graph?.node ?? []).map((n) => n.opType))].sort();
    if (!ops.every((o) => ISSUE_OPS.has(o) || EXTRA_OPS.has(o) || WILD_OPS.has(o) || OPSET_OPS.has(o))) continue;
    const opset = num(m.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version);
    const training = (m.graph?.node ?? []).some((n) => n.opType === 'BatchNormalization' && n.attribute.some((a) => a.name === 'training_mode' && num(a.i) === 1));
    out.push({ name, dir, ops, opset, extraOnly: !ops.some((o) => ISSUE_OPS.has(o)), training });
  }
  return out;
}

/** The model's bytes, read as opset 11 where SAME_AT_11 says that changes nothing; `lifted` says whether it was. */
export function modelBytes(c: NodeCase): { bytes: Uint8Array; lifted: boolean } {
  const bytes = readFileSync(join(c.dir, 'model.onnx'));
  if (c.opset >= 6 || !c.ops.every((o) => SAME_AT_11[o] !== undefined && SAME_AT_11[o]! <= c.opset)) return { bytes, lifted: false };
  const m = decodeModel(bytes, c.name);
  m.opsetImport = m.opsetImport.map((o) => (o.domain === '' || o.domain === 'ai.onnx' ? { ...o, version: 11 } : o));
  return { bytes: encodeModel(m), lifted: true };
}

/** Ops whose outputs after the first are optional statistics or masks (training use), which an importer may refuse. */
const OPTIONAL_OUTPUT_OPS = new Set(['BatchNormalization', 'Dropout', 'LayerNormalization']);

/**
 * The model without the graph outputs that are optional outputs of OPTIONAL_OUTPUT_OPS (BatchNorm running
 * statistics, the Dropout mask, LayerNorm's Mean and InvStdDev), and the positions of the outputs it keeps.
 */
export function withoutOptionalOutputs(bytes: Uint8Array, name: string): { bytes: Uint8Array; kept: number[]; dropped: string[] } {
  const m = decodeModel(bytes, name);
  const g = m.graph!;
  const optional = new Set(g.node.filter((n) => OPTIONAL_OUTPUT_OPS.has(n.opType)).flatMap((n) => n.output.slice(1)));
  const kept = g.output.flatMap((o, i) => (optional.has(o.name) ? [] : [i]));
  const dropped = g.output.filter((o) => optional.has(o.name)).map((o) => o.name);
  g.output = kept.map((i) => g.output[i]!);
  return { bytes: encodeModel(m), kept, dropped };
}

let tensorType: protobuf.Type | undefined;

/**
 * Reads a TensorProto .pb file into an engine tensor, with the importer's reader (float16 and bfloat16, which it does
 * not take, are read here as their 16-bit patterns and reinterpreted).
 */
export function readPb(path: string): Tensor {
  tensorType ??= protobuf.Root.fromJSON(onnxSchema as protobuf.INamespace).lookupType('onnx.TensorProto');
  const t = tensorType.decode(readFileSync(path)) as unknown as TensorProto;
  if (t.dataType === DataType.FLOAT16 || t.dataType === DataType.BFLOAT16) {
    const shape = t.dims.map(num);
    const n = shape.reduce((a, b) => a * b, 1);
    const bits = t.rawData.length ? new Int16Array(Uint8Array.from(t.rawData).buffer, 0, n) : Int16Array.from(t.int32Data);
    return callAten('view', 'dtype', tensor(bits, shape, 'int16'), t.dataType === DataType.FLOAT16 ? 'float16' : 'bfloat16');
  }
  const d = readTensorProto(t, { source: path, baseDir: null });
  return tensor(d.data, d.shape, d.dtype);
}

/** The test_data_set_* folders of a case, each with its input and output .pb paths in order. */
export function dataSets(c: NodeCase): { name: string; inputs: string[]; outputs: string[] }[] {
  return readdirSync(c.dir).filter((f) => f.startsWith('test_data_set_')).sort().map((ds) => {
    const files = readdirSync(join(c.dir, ds));
    const pick = (prefix: string): string[] => files.filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
      .sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3))).map((f) => join(c.dir, ds, f));
    return { name: ds, inputs: pick('input_'), outputs: pick('output_') };
  });
}

/** The reason a case is skipped, or undefined. */
export function skipReason(name: string): string | undefined {
  return Object.entries(SKIPS).find(([, names]) => names.includes(name))?.[0];
}
