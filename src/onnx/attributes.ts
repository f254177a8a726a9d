import type { Attr, Attrs } from '../graph/index.js';
import { AttributeType, num, type AttributeProto } from './proto/index.js';
import { readTensorProto, writeTensorProto, type TensorSource } from './tensor-proto.js';
import { OnnxError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });
const toBytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The kind of an attribute written by an old exporter that left `type` unset: whichever field holds a value. */
function guessType(a: AttributeProto): number {
  if (a.t) return AttributeType.TENSOR;
  if (a.g) return AttributeType.GRAPH;
  if (a.floats.length) return AttributeType.FLOATS;
  if (a.ints.length) return AttributeType.INTS;
  if (a.strings.length) return AttributeType.STRINGS;
  if (a.s.length) return AttributeType.STRING;
  if (a.f !== 0) return AttributeType.FLOAT;
  return AttributeType.INT;
}

/** Reads a node's attributes; subgraph, sparse and type attributes are refused (no op whittle runs has them). */
export function readAttributes(list: readonly AttributeProto[], where: { node: string; opType: string }, src: TensorSource): Attrs {
  const out: Record<string, Attr> = {};
  for (const a of list) {
    const type = a.type || guessType(a);
    const fail = (what: string): never => {
      throw new OnnxError(`${src.source}: node '${where.node}' (${where.opType}): attribute '${a.name}' is ${what}, which whittle does not support`, { nodeName: where.node, opType: where.opType });
    };
    switch (type) {
      case AttributeType.INT: out[a.name] = { kind: 'int', value: num(a.i) }; break;
      case AttributeType.FLOAT: out[a.name] = { kind: 'float', value: a.f }; break;
      case AttributeType.STRING: out[a.name] = { kind: 'string', value: utf8.decode(a.s) }; break;
      case AttributeType.INTS: out[a.name] = { kind: 'ints', value: a.ints.map(num) }; break;
      case AttributeType.FLOATS: out[a.name] = { kind: 'floats', value: [...a.floats] }; break;
      case AttributeType.STRINGS: out[a.name] = { kind: 'strings', value: a.strings.map((s) => utf8.decode(s)) }; break;
      case AttributeType.TENSOR:
        if (!a.t) fail('a tensor attribute without a tensor');
        out[a.name] = { kind: 'tensor', value: readTensorProto(a.t!, src, `attribute '${a.name}' of node '${where.node}'`) };
        break;
      case AttributeType.GRAPH: case AttributeType.GRAPHS: fail('a subgraph'); break;
      default: fail(`of attribute type ${type}`);
    }
  }
  return out;
}

/** Writes attributes in name order (deterministic files), each with only its own value field set (proto2 writes every
 * field that is present, and checkers reject an attribute whose other fields are set). */
export function writeAttributes(attrs: Attrs): AttributeProto[] {
  return Object.keys(attrs).sort().map((name) => {
    const a = attrs[name]!;
    const one = (type: number, field: Partial<AttributeProto>): AttributeProto => ({ name, type, ...field }) as AttributeProto;
    switch (a.kind) {
      case 'int': return one(AttributeType.INT, { i: a.value });
      case 'float': return one(AttributeType.FLOAT, { f: a.value });
      case 'string': return one(AttributeType.STRING, { s: toBytes(a.value) });
      case 'ints': return one(AttributeType.INTS, { ints: [...a.value] });
      case 'floats': return one(AttributeType.FLOATS, { floats: [...a.value] });
      case 'strings': return one(AttributeType.STRINGS, { strings: a.value.map(toBytes) });
      case 'tensor': return one(AttributeType.TENSOR, { t: writeTensorProto('', a.value) });
    }
  });
}
