// A teacher file in which layers with unrelated channels read one initializer (as torch.onnx.export writes an
// untrained network whose equal tensors it merged) compresses: the first student gets a copy per layer, said in an
// event, and soft cuts (which name the tensors they fade) work on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Graph, type Initializer } from '../../src/graph/index.js';
import { loadOnnx, saveOnnx } from '../../src/onnx/index.js';
import { compress, type CompressEvent } from '../../src/pipeline/compress.js';
import { newRun, smallIdxData, vggTeacherFile } from './fixtures.js';

/** The teacher with its second BatchNorm reading the first one's shift: one tensor for two unrelated groups. */
async function sharedShiftTeacher(): Promise<{ path: string; shared: string; params: number }> {
  const file = await vggTeacherFile();
  const g = loadOnnx(file);
  const [first, second] = g.nodes.filter((n) => n.opType === 'BatchNormalization');
  const shared = first!.inputs[2]!;
  const dropped = second!.inputs[2]!;
  const nodes = g.nodes.map((n) => (n === second ? { ...n, inputs: n.inputs.map((v, i) => (i === 2 ? shared : v)) } : n));
  const inits = new Map<string, Initializer>([...g.initializers].filter(([k]) => k !== dropped));
  const tied = new Graph({ name: g.name, inputs: g.inputs, outputs: g.outputs, nodes, initializers: inits, opset: g.opset, metadata: g.metadata });
  const path = join(file, '..', 'tied.onnx');
  await saveOnnx(tied, path);
  const params = tied.parameterCount();
  g.dispose();
  return { path, shared, params };
}

test('compress unties a shared tensor of the first student, and soft cuts fade and cut its copies', async () => {
  const teacher = await sharedShiftTeacher();
  const events: CompressEvent[] = [];
  const out = newRun();
  const report = await compress({
    data: smallIdxData(), valSize: 100, batchSize: 100, threads: 2, teacher: teacher.path, out,
    ratios: [0.5, 0.5], epochsPerStep: 1, fadeEpochs: 0.5, onEvent: (e) => events.push(e),
  });
  const untied = events.filter((e) => e.type === 'untied');
  assert.deepEqual(untied.map((e) => e.names), [[teacher.shared]]);
  assert.equal(untied[0]!.params, teacher.params + 32, 'the second BatchNorm has its own 32-channel shift again');
  for (const s of report.steps) assert.ok(Math.abs(s.achievedRatio - 0.5) <= 0.005, `step ${s.step}: achieved ${s.achievedRatio}`);
  const student = loadOnnx(join(out, 'student.onnx'));
  assert.equal(student.parameterCount(), report.final.params);
  student.dispose();
});
