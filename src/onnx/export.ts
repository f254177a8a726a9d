import { writeFileAtomic } from '../util/write-atomic.js';
import { WHITTLE_VERSION } from '../version.js';
import type { Graph, Node, TensorData, ValueInfo } from '../graph/index.js';
import { encodeModel, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto/index.js';
import { elemTypeOf, writeTensorProto } from './tensor-proto.js';
import { writeAttributes } from './attributes.js';
import { mappingFor, type ExportContext } from './ops/index.js';
import { MAX_OPSET } from './import.js';

/** The oldest opset whittle writes: the IR's op forms (opsets 6–10 are read into opset-11 forms). */
export const MIN_WRITE_OPSET = 11;
import { OnnxError } from './errors.js';

export type SaveOptions = {
  /** The ai.onnx opset to write (default 13, or the graph's own when it is newer: export never downgrades silently). */
  opset?: number;
  /** Extra metadata_props, added to (and overriding) graph.metadata. */
  metadata?: Readonly<Record<string, string>>;
};

/** ONNX IR version written (ONNX 1.13; read by onnxruntime 1.14 and later). */
export const IR_VERSION = 8;
/** Keys of graph.metadata that describe the file whittle read, not a property to copy into metadata_props. */
const SOURCE_KEYS = new Set(['producer_name', 'producer_version', 'domain', 'model_version', 'doc_string', 'source_opset']);

/** The model's metadata_props as read (e.g. `whittle.preprocess`, `whittle.labels`), without the file's own fields. */
export function metadataProps(g: Graph): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(g.metadata)) if (!SOURCE_KEYS.has(k)) metadata[k] = v;
  return metadata;
}
/** A single protobuf message may not reach 2 GB. */
const MAX_BYTES = 2 ** 31 - 2 ** 20;


function valueInfoProto(v: ValueInfo, inferred: ValueInfo | undefined): ValueInfoProto {
  const shape = v.shape ?? inferred?.shape ?? null;
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: elemTypeOf(v.dtype),
        shape: shape === null ? null : { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function nodeProto(n: Node): NodeProto {
  return { name: n.name, opType: n.opType, domain: n.domain, input: [...n.inputs], output: [...n.outputs], attribute: writeAttributes(n.attrs) };
}

/**
 * The graph as an ONNX ModelProto: IR version 8, producer `whittle <version>`, the given opset (nodes rewritten
 * where the op's form changed between the graph's opset and that one), inputs and outputs under their own names and
 * with their symbolic dims (the batch stays symbolic), initializers as raw_data, metadata_props from graph.metadata.
 */
export function toModelProto(g: Graph, o: SaveOptions = {}): ModelProto {
  const to = o.opset ?? Math.max(DEFAULT_OPSET, g.opset);
  if (!Number.isInteger(to) || to < MIN_WRITE_OPSET || to > MAX_OPSET) throw new OnnxError(`cannot write opset ${to}; whittle writes ONNX opsets ${MIN_WRITE_OPSET} to ${MAX_OPSET}`, { opset: to });
  if (to !== g.opset && (g.opset < MIN_WRITE_OPSET || g.opset > MAX_OPSET)) throw new OnnxError(`cannot convert a graph at opset ${g.opset} to opset ${to}`, { opset: g.opset });
  const used = new Set<string>([...g.nodes.flatMap((n) => [...n.inputs, ...n.outputs]), ...g.initializers.keys(), ...g.inputs.map((i) => i.name)]);
  const fresh = (hint: string): string => {
    let name = hint;
    for (let k = 1; used.has(name); k++) name = `${hint}_${k}`;
    used.add(name);
    return name;
  };
  const extra: TensorProto[] = [];
  const ctx: ExportContext = {
    from: g.opset,
    to,
    fresh,
    constant(hint: string, data: TensorData): string {
      const name = fresh(hint);
      extra.push(writeTensorProto(name, data));
      return name;
    },
    intsOf(name: string): number[] | undefined {
      const init = g.initializers.get(name);
      return init && (init.tensor.dtype === 'int64' || init.tensor.dtype === 'int32') && init.tensor.numel <= 4096 ? init.tensor.toArray() : undefined;
    },
    floatOf(name: string): number | undefined {
      const init = g.initializers.get(name);
      return init && init.tensor.dtype.startsWith('float') && init.tensor.numel === 1 ? init.tensor.item() : undefined;
    },
    rankOf(name: string): number | undefined {
      const v = g.valueInfo.get(name)?.shape ?? g.inputs.find((i) => i.name === name)?.shape ?? g.initializers.get(name)?.tensor.shape;
      return v ? v.length : undefined;
    },
  };
  const nodes: Node[] = g.nodes.flatMap((n) => {
    if (n.domain !== '') return [n];
    const m = mappingFor(n.opType);
    if (m?.export) return m.export(n, ctx);
    if (m?.since !== undefined && to < m.since) throw new OnnxError(`node '${n.name}' (${n.opType}): ${n.opType} exists from opset ${m.since}; cannot write it at opset ${to}`, { nodeName: n.name, opType: n.opType, opset: to });
    return [n];
  });
  let bytes = 0;
  const initializer = [...g.initializers].map(([name, { tensor }]) => {
    const t = writeTensorProto(name, { dtype: tensor.dtype, shape: tensor.shape, data: tensor.data() as TensorData['data'] });
    bytes += t.rawData.length;
    if (bytes > MAX_BYTES) throw new OnnxError(`the weights take more than 2 GB, which one ONNX protobuf cannot hold (external data is not written yet)`);
    return t;
  });
  const metadata = metadataProps(g);
  const producer = [g.metadata['producer_name'], g.metadata['producer_version']].filter((s) => s).join(' ');
  if (producer && metadata['source_producer'] === undefined) metadata['source_producer'] = producer;
  Object.assign(metadata, o.metadata ?? {});
  const domains = [...new Set(nodes.map((n) => n.domain).filter((d) => d !== ''))];
  return {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: to }, ...domains.map((domain) => ({ domain, version: 1 }))],
    producerName: 'whittle',
    producerVersion: WHITTLE_VERSION,
    graph: {
      name: g.name,
      node: nodes.map(nodeProto),
      initializer: [...initializer, ...extra],
      input: g.inputs.map((v) => valueInfoProto(v, g.valueInfo.get(v.name))),
      output: g.outputs.map((v) => valueInfoProto(v, g.valueInfo.get(v.name))),
    } as GraphProto,
    metadataProps: Object.keys(metadata).sort().map((key) => ({ key, value: metadata[key]! })),
  };
}

/** The graph as the bytes of an .onnx file (see toModelProto). */
export function toOnnxBytes(g: Graph, o: SaveOptions = {}): Uint8Array {
  return encodeModel(toModelProto(g, o));
}

/** Writes the graph as an .onnx file, atomically: a temporary file in the same folder, then a rename. */
/** The opset written when none is asked for and the graph's own is not newer. */
export const DEFAULT_OPSET = 13;

export async function saveOnnx(g: Graph, path: string, o: SaveOptions = {}): Promise<void> {
  await writeFileAtomic(path, toOnnxBytes(g, o));
}
