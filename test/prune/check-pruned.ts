// The equivalence check of the transformer pruning tests: the pruned model computes what the original computes with
// the removed units zeroed (1e-4), keeps its output shape, and onnxruntime runs the pruned file to the same output.
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { runGraph } from '../../src/exec/index.js';
import { tidy, type Tensor } from '../../src/tensor/index.js';
import type { Graph } from '../../src/graph/index.js';
import { toOnnxBytes } from '../../src/onnx/index.js';
import { zeroRemovedChannels, type PruneResult } from '../../src/prune/index.js';
import { assertClose } from '../helpers/assert-close.js';

/** Pruned vs original with the removed units zeroed (1e-4), and the pruned file in onnxruntime vs whittle. */
export async function checkPruned(r: PruneResult, g: Graph, x: Tensor): Promise<void> {
  const zeroed = zeroRemovedChannels(r.plan);
  const [inp, out] = [g.inputs[0]!.name, g.outputs[0]!.name];
  let pruned: number[] = [];
  let shape: number[] = [];
  try {
    tidy(() => {
      const a = runGraph(r.graph, { [inp]: x })[out]!;
      const b = runGraph(zeroed, { [inp]: x })[out]!;
      assert.deepEqual(a.shape, runGraph(g, { [inp]: x })[out]!.shape, 'output shape changed');
      assertClose(a, b.toArray(), { atol: 1e-4, rtol: 1e-4, what: 'pruned vs zeroed original' });
      [pruned, shape] = [a.toArray(), a.shape];
    });
  } finally {
    zeroed.dispose();
  }
  const session = await ort.InferenceSession.create(toOnnxBytes(r.graph), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const data = x.toArray();
    const feed = x.dtype === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(data, (v) => BigInt(v)), x.shape) : new ort.Tensor('float32', Float32Array.from(data), x.shape);
    const o = (await session.run({ [session.inputNames[0]!]: feed }))[session.outputNames[0]!]!;
    assert.deepEqual([...o.dims], shape, 'onnxruntime output shape');
    assertClose(Array.from(o.data as Float32Array), pruned, { atol: 1e-4, rtol: 1e-4, what: 'onnxruntime vs whittle on the pruned model' });
  } finally {
    await session.release();
  }
}
