import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { tensor } from '../tensor/index.js';
import { Graph, GraphError, markFixedBatch, topoSort, type Dim, type Initializer, type Node, type TensorData, type ValueInfo } from '../graph/index.js';
import { unsupportedNodes } from '../exec/index.js';
import { WhittleError } from '../errors.js';
import { decodeModel, num, type ModelProto, type ValueInfoProto } from './proto/index.js';
import { checkDim, dtypeOf, readTensorProto, typeName, type TensorSource } from './tensor-proto.js';
import { readAttributes } from './attributes.js';
import { mappingFor, type ImportContext } from './ops/index.js';
import { foldDraft, type Draft } from './fold.js';
import { freeFixedBatch } from './fixed-batch.js';
import { classifyInitializers } from './classify.js';
import { IR_BASE_OPSET, upgradeNodes } from './upgrade.js';
import { describeUnsupported } from './unsupported.js';
import { OnnxError } from './errors.js';

/** The ai.onnx opsets whittle reads (it writes MIN_WRITE_OPSET to MAX_OPSET). */
export const MIN_OPSET = 6;
export const MAX_OPSET = 21;

export type LoadOptions = {
  /** Folder that external data files are relative to, when the model is given as bytes (default: none). */
  baseDir?: string;
  /**
   * Input shapes (batch first) used to fold shape arithmetic when the model's own input shapes are symbolic beyond
   * the batch: by name ({ input: [1, 3, 224, 224] }) or by position ([[1, 3, 224, 224]]).
   */
  inputShapes?: Readonly<Record<string, readonly number[]>> | readonly (readonly number[])[];
  /** The model's name in error messages (default: the file name, or 'model'). */
  source?: string;
};

/** Ops whose trailing outputs only a training-mode or debugging export reads; dropped when nothing reads them. */
const OPTIONAL_OUTPUTS: Record<string, number> = { BatchNormalization: 1, Dropout: 1, MaxPool: 1, LayerNormalization: 1 };

/**
 * Reads an ONNX model (a path, or the file's bytes) into a Graph that the executor can run. Opsets 6–21 (6–10 read
 * into their opset-11 forms, see upgrade.ts);
 * initializers in raw or typed fields or external files next to the model; Constant nodes and weights behind Identity
 * become initializers; shape arithmetic left by exporters is folded (see foldDraft); every attribute default is
 * filled in. Initializers are classified as params (weights and biases of Conv/Gemm/MatMul, norm scales/biases),
 * buffers (BatchNorm running statistics) or constants. Any problem, including ops that no kernel runs (all listed at
 * once), is one OnnxError; nothing is left allocated when it throws.
 */
export function loadOnnx(model: string | Uint8Array, options: LoadOptions = {}): Graph {
  let bytes: Uint8Array;
  let src: TensorSource;
  if (typeof model === 'string') {
    const path = resolve(model);
    src = { source: options.source ?? basename(path), baseDir: dirname(path) };
    bytes = readModelFile(path, src.source);
  } else {
    src = { source: options.source ?? 'model', baseDir: options.baseDir === undefined ? null : resolve(options.baseDir) };
    bytes = model;
  }
  if (bytes.length === 0) throw new OnnxError(`${src.source}: empty file, not an ONNX model`);
  const m = decodeModel(bytes, src.source);
  try {
    return buildGraph(m, src, options);
  } catch (e) {
    if (e instanceof OnnxError) throw e;
    if (e instanceof GraphError) throw new OnnxError(`${src.source}: ${e.message}`, { issues: (e.details['issues'] as string[] | undefined) ?? [e.message] });
    if (e instanceof WhittleError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new OnnxError(`${src.source}: cannot read the model (${why})`);
  }
}

function readModelFile(path: string, source: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new OnnxError(`${source}: not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof OnnxError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new OnnxError(`${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (e as Error).message})`}`);
  }
  if (size >= 2 ** 31) throw new OnnxError(`${source}: ${size} bytes; an ONNX protobuf is below 2 GB (larger models keep their weights in external data files)`);
  return readFileSync(path);
}

function mainOpset(m: ModelProto, source: string): number {
  const own = m.opsetImport.filter((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (own.length === 0) throw new OnnxError(`${source}: the model declares no ai.onnx opset (opset_import)`);
  const v = num(own[0]!.version);
  if (v < MIN_OPSET || v > MAX_OPSET) {
    const fix = v < MIN_OPSET ? 're-export it from its framework at a newer opset' : 'export it at an opset up to 21';
    throw new OnnxError(`${source}: opset ${v} is not supported; whittle reads ONNX opsets ${MIN_OPSET} to ${MAX_OPSET} (${fix})`, { opset: v });
  }
  return v;
}

function valueInfo(v: ValueInfoProto, src: TensorSource, role: 'input' | 'output'): ValueInfo {
  const tt = v.type?.tensorType;
  if (!v.type || (v.type.value !== undefined && v.type.value !== 'tensorType') || (!tt && role === 'input')) {
    throw new OnnxError(`${src.source}: graph ${role} '${v.name}' is not a tensor (sequence, map and optional types are not supported)`);
  }
  const dtype = tt && tt.elemType ? dtypeOf(tt.elemType) : 'float32';
  if (!dtype) throw new OnnxError(`${src.source}: graph ${role} '${v.name}' has element type ${typeName(tt!.elemType)}, which whittle does not support`);
  const shape: Dim[] | null = tt?.shape ? tt.shape.dim.map((d, k): Dim => {
    if (d.value === 'dimParam' && d.dimParam) return d.dimParam;
    if (d.value === 'dimValue') return checkDim(d.dimValue!, () => `graph ${role} '${v.name}' (dim ${k})`, src);
    return `${v.name}_d${k}`;
  }) : null;
  return { name: v.name, dtype, shape };
}

/** The value of a Constant node's one value attribute. */
function constantValue(n: Node, src: TensorSource): TensorData {
  const a = Object.entries(n.attrs);
  const fail = (what: string): never => {
    throw new OnnxError(`${src.source}: node '${n.name}' (Constant): ${what}`, { nodeName: n.name, opType: 'Constant' });
  };
  if (a.length !== 1) fail(`expected exactly one value attribute, got ${a.length === 0 ? 'none' : a.map(([k]) => k).join(', ')}`);
  const [key, attr] = a[0]!;
  if (key === 'value' && attr.kind === 'tensor') return attr.value;
  if (key === 'value_float' && attr.kind === 'float') return { dtype: 'float32', shape: [], data: Float32Array.of(attr.value) };
  if (key === 'value_floats' && attr.kind === 'floats') return { dtype: 'float32', shape: [attr.value.length], data: Float32Array.from(attr.value) };
  if (key === 'value_int' && attr.kind === 'int') return { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(attr.value)) };
  if (key === 'value_ints' && attr.kind === 'ints') return { dtype: 'int64', shape: [attr.value.length], data: BigInt64Array.from(attr.value, (v) => BigInt(v)) };
  return fail(`value attribute '${key}' (${attr.kind}) is not supported`);
}

/** The nodes in topological order; every dangling input, duplicate output and cycle reported at once. */
function topoOrder(nodes: readonly Node[], given: ReadonlySet<string>, outputs: readonly string[], source: string): Node[] {
  const { order, issues } = topoSort(nodes, given, outputs);
  if (issues.length) throw new OnnxError(`${source}: invalid graph: ${issues[0]}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, { issues });
  return order;
}

function buildGraph(m: ModelProto, src: TensorSource, options: LoadOptions): Graph {
  const source = src.source;
  const g = m.graph;
  if (!g) throw new OnnxError(`${source}: the model has no graph (not an ONNX model?)`);
  const fileOpset = mainOpset(m, source);
  // Opsets 6–10 are rewritten into opset-11 forms below: the IR holds one form of each op.
  const opset = Math.max(fileOpset, IR_BASE_OPSET);
  if (g.sparseInitializer.length) throw new OnnxError(`${source}: sparse initializers are not supported`);

  // Initializers (raw, typed or external data), then Constant nodes as initializers.
  const inits: Draft['inits'] = new Map();
  for (const t of g.initializer) {
    if (!t.name) throw new OnnxError(`${source}: an initializer has no name`);
    if (inits.has(t.name)) throw new OnnxError(`${source}: initializer '${t.name}' is defined twice`);
    inits.set(t.name, { data: readTensorProto(t, src, `initializer '${t.name}'`), fromConstant: false });
  }
  const inputs = g.input.filter((v) => !inits.has(v.name)).map((v) => valueInfo(v, src, 'input'));
  const outputs = g.output.map((v) => valueInfo(v, src, 'output'));
  if (outputs.length === 0) throw new OnnxError(`${source}: the graph has no outputs`);

  const names = new Set(g.node.map((n) => n.name).filter((n) => n));
  const taken = new Set<string>();
  let nodes: Node[] = g.node.map((n, k) => {
    let name = n.name;
    if (!name || taken.has(name)) {
      const base = n.name || `${n.opType || 'node'}_${k}`;
      name = base;
      for (let j = 1; taken.has(name) || (name !== n.name && names.has(name)); j++) name = `${base}_${j}`;
    }
    taken.add(name);
    const domain = n.domain === 'ai.onnx' ? '' : n.domain;
    return { name, opType: n.opType, domain, inputs: [...n.input], outputs: [...n.output], attrs: readAttributes(n.attribute, { node: name, opType: n.opType }, src) };
  });
  nodes = nodes.filter((n) => {
    if (n.opType !== 'Constant' || n.domain !== '') return true;
    const out = n.outputs[0];
    if (!out || n.outputs.length !== 1) throw new OnnxError(`${source}: node '${n.name}' (Constant) must have one output`, { nodeName: n.name, opType: 'Constant' });
    if (inits.has(out)) throw new OnnxError(`${source}: value '${out}' is produced twice (Constant node '${n.name}')`);
    inits.set(out, { data: constantValue(n, src), fromConstant: true });
    return false;
  });

  nodes = upgradeNodes({ nodes, inits, inputs, opset: fileOpset, source });

  // Weights reaching a node through Identity: read the initializer directly.
  const graphOutputs = new Set(outputs.map((o) => o.name));
  const alias = new Map<string, string>();
  const target = (v: string): string => alias.get(v) ?? v;
  nodes = nodes.filter((n) => {
    if (n.opType !== 'Identity' || n.domain !== '' || n.outputs.length !== 1) return true;
    const from = target(n.inputs[0] ?? '');
    if (!inits.has(from) || graphOutputs.has(n.outputs[0]!) || inits.has(n.outputs[0]!)) return true;
    alias.set(n.outputs[0]!, from);
    return false;
  });
  if (alias.size) nodes = nodes.map((n) => ({ ...n, inputs: n.inputs.map(target) }));

  // Trailing outputs of training-mode exports (BatchNorm running stats, Dropout mask) that nothing reads.
  const read = new Set([...nodes.flatMap((n) => n.inputs), ...graphOutputs]);
  nodes = nodes.map((n) => {
    const keep = OPTIONAL_OUTPUTS[n.opType];
    if (keep === undefined || n.domain !== '' || n.outputs.length <= keep) return n;
    const extra = n.outputs.slice(keep).filter((o) => o && read.has(o));
    if (extra.length && n.opType === 'MaxPool') return n; // its Indices output, which the kernel computes
    if (extra.length) throw new OnnxError(`${source}: node '${n.name}' (${n.opType}): the graph reads its training-mode output '${extra[0]}', which whittle does not compute; export it in eval mode`, { nodeName: n.name, opType: n.opType });
    return { ...n, outputs: n.outputs.slice(0, keep) };
  });

  // Attribute defaults and checks, per op and opset.
  const ctx: ImportContext = { opset, source, initShape: (name) => inits.get(name)?.data.shape };
  nodes = nodes.map((n) => (n.domain === '' ? mappingFor(n.opType)?.import?.(n, ctx) ?? n : n));

  const given = new Set([...inputs.map((i) => i.name), ...inits.keys()]);
  nodes = topoOrder(nodes, given, outputs.map((o) => o.name), source);
  const shapes = options.inputShapes ?? {};
  const byName = Array.isArray(shapes) ? Object.fromEntries(inputs.flatMap((v, i) => (shapes[i] ? [[v.name, shapes[i]!]] : []))) : (shapes as Record<string, readonly number[]>);
  const freed = freeFixedBatch({ nodes, inits, inputs, outputs, opset });
  // The walks that freed a batch of 1 are the ones folding makes, unless other input shapes were given.
  const folded = foldDraft(freed.draft, byName, Object.keys(byName).length === 0 ? freed.walks : undefined);

  const kinds = classifyInitializers(folded.nodes, new Map([...folded.inits].map(([k, v]) => [k, v.data.dtype])), new Map([...folded.inits].map(([k, v]) => [k, v.data.shape.reduce((a, b) => a * b, 1)])), new Map([...folded.inits].map(([k, v]) => [k, v.data.shape])), allZero(folded.inits));
  const initializers = new Map<string, Initializer>();
  let graph: Graph | undefined;
  try {
    for (const [name, { data }] of folded.inits) {
      const kind = kinds.get(name) ?? 'constant';
      const t = tensor(data.data, data.shape, data.dtype);
      if (kind === 'param') t.requiresGrad = true;
      initializers.set(name, { tensor: t, kind });
    }
    const metadata = { ...metadataOf(m), ...(fileOpset !== opset ? { source_opset: String(fileOpset) } : {}) };
    graph = new Graph({ name: g.name || 'graph', inputs: folded.inputs, outputs: folded.outputs, nodes: folded.nodes, initializers, opset, metadata });
    if (freed.fixed) markFixedBatch(graph, freed.fixed);
  } catch (e) {
    for (const { tensor: t } of initializers.values()) t.dispose();
    throw e;
  }
  const missing = unsupportedNodes(graph);
  if (missing.length) {
    graph.dispose();
    const { message, issues } = describeUnsupported(missing, folded.nodes);
    throw new OnnxError(`${source}: ${message}`, { opset: fileOpset, issues, ...(missing.length === 1 ? { opType: missing[0]!.opType, nodeName: missing[0]!.node } : {}) });
  }
  return graph;
}

function metadataOf(m: ModelProto): Record<string, string> {
  const md: Record<string, string> = {};
  for (const { key, value } of m.metadataProps) if (key) md[key] = value;
  if (m.producerName) md['producer_name'] = m.producerName;
  if (m.producerVersion) md['producer_version'] = m.producerVersion;
  if (m.domain) md['domain'] = m.domain;
  if (num(m.modelVersion)) md['model_version'] = String(num(m.modelVersion));
  if (m.docString) md['doc_string'] = m.docString;
  return md;
}

/** The float initializers whose every element is 0. */
function allZero(inits: ReadonlyMap<string, { data: TensorData }>): Set<string> {
  const out = new Set<string>();
  for (const [name, { data }] of inits) if (data.dtype.startsWith('float') && (data.data as ArrayLike<number>).length > 0 && Array.prototype.every.call(data.data, (v: number) => v === 0)) out.add(name);
  return out;
}
