// Usage: node dist/bench/cut-at.js IN.onnx VALUE OUT.onnx
// Writes IN cut at the value VALUE (which becomes its one output), keeping its preprocessing metadata and dropping
// the class labels: a classifier's penultimate features as an embedding model, the teacher of issue 35's embedding
// claim (BENCHMARKS.md).
import { Graph } from '../src/graph/index.js';
import { loadOnnx, saveOnnx } from '../src/onnx/index.js';

const [input, value, output] = process.argv.slice(2);
if (!input || !value || !output) {
  console.error('usage: node dist/bench/cut-at.js IN.onnx VALUE OUT.onnx');
  process.exit(2);
}
const g = loadOnnx(input);
const last = g.nodes.findIndex((n) => n.outputs.includes(value));
if (last < 0) {
  console.error(`${input}: no node computes '${value}'`);
  process.exit(2);
}
const keep = g.nodes.slice(0, last + 1);
const used = new Set(keep.flatMap((n) => n.inputs));
const { 'whittle.labels': _labels, ...metadata } = g.metadata;
const cut = new Graph({
  inputs: g.inputs, outputs: [{ name: value, dtype: 'float32', shape: null }], nodes: keep, opset: g.opset, metadata,
  initializers: new Map([...g.initializers].filter(([name]) => used.has(name))),
});
await saveOnnx(cut, output);
console.log(`${output}: ${keep.length} of ${g.nodes.length} nodes, output '${value}', ${cut.parameterCount()} params`);
g.dispose();
