// Usage: node dist/bench/fold-bn.js IN.onnx OUT.onnx
// Writes IN with every BatchNormalization that directly follows a Conv folded into it, as torch.onnx.export does
// in eval mode: the "folded" teachers that `compress --reinsert-bn` is measured on (BENCHMARKS.md). The fold is
// pinned to PyTorch's fuse_conv_bn_eval by test/distill/reinsert-bn.test.ts.
import { foldBatchNorm, foldableBatchNorms } from '../src/graph/index.js';
import { loadOnnx, saveOnnx } from '../src/onnx/index.js';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node dist/bench/fold-bn.js IN.onnx OUT.onnx');
  process.exit(2);
}
const g = loadOnnx(input);
const names = foldableBatchNorms(g);
foldBatchNorm(g, names);
await saveOnnx(g, output);
console.log(`${output}: folded ${names.length} BatchNormalization node(s); ${g.nodes.filter((n) => n.opType === 'BatchNormalization').length} left, ${g.parameterCount()} params`);
g.dispose();
