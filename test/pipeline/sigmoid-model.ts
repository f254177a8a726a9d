// The conv1d fixture with a Sigmoid after its output, for the tests of Sigmoid regressors (helpers only: nothing runs
// on import).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph } from '../../src/graph/index.js';
import { loadOnnx, saveOnnx } from '../../src/onnx/index.js';
import { repoRoot } from '../cli/run-cli.js';

/** The wild conv1d fixture: [N, 2, 32] -> [N, 5]. */
export const CONV1D = join(repoRoot, 'test', 'fixtures', 'wild', 'conv1d-op13-fixed', 'model.onnx');

/** The conv1d fixture with a Sigmoid after its output: scores in (0, 1), as a wake-word or multi-label model ends. */
export async function sigmoidModel(): Promise<string> {
  const g = loadOnnx(CONV1D);
  const sig = new Graph({
    inputs: g.inputs, outputs: [{ name: 'prob', dtype: 'float32', shape: null }], opset: g.opset, initializers: g.initializers,
    nodes: [...g.nodes, { name: 'sigmoid', opType: 'Sigmoid', domain: '', inputs: ['output'], outputs: ['prob'], attrs: {} }],
  });
  const path = join(mkdtempSync(join(tmpdir(), 'whittle-sig-')), 'sig.onnx');
  await saveOnnx(sig, path);
  g.dispose();
  return path;
}
