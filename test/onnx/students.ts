// Pruned students as whittle exports them, for checking that other runtimes run them: every zoo architecture and
// every shipped teacher, cut to 37% of its parameters with odd channel counts, BatchNorm folded into the convs.
import { readdirSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { ZOO, buildZooGraph } from '../../src/zoo/index.js';
import { foldBatchNorm, foldableBatchNorms, type Graph } from '../../src/graph/index.js';
import { loadOnnx, toOnnxBytes } from '../../src/onnx/index.js';
import { prune } from '../../src/prune/index.js';
import { repoRoot } from '../cli/run-cli.js';

export type Student = { name: string; bytes: Uint8Array; input: { shape: number[]; data: Float32Array } };

function student(name: string, g: Graph, seed: number): Student {
  try {
    const r = prune(g, { ratio: 0.37, roundTo: 1, criterion: 'l1' });
    try {
      foldBatchNorm(r.graph, foldableBatchNorms(r.graph));
      let s = seed;
      const data = new Float32Array(3 * 28 * 28).map(() => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
      return { name, bytes: toOnnxBytes(r.graph), input: { shape: [3, 1, 28, 28], data } };
    } finally {
      r.graph.dispose();
    }
  } finally {
    g.dispose();
  }
}

/** Call after manualSeed: the zoo's weights are drawn from the engine's generator. */
export function prunedStudents(): Student[] {
  const zoo = ZOO.map((arch, i) => student(arch, buildZooGraph(arch, { input: [1, 28, 28], classes: 10 }), i + 1));
  const teachers = readdirSync(join(repoRoot, 'teachers')).filter((f) => f.endsWith('.onnx')).sort()
    .map((f, i) => student(`teachers/${f}`, loadOnnx(join(repoRoot, 'teachers', f)), 100 + i));
  return [...zoo, ...teachers];
}

/** The student's output on its input in onnxruntime-node: the reference other runtimes are held to. */
export async function nodeOutput(s: Student): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(s.bytes);
  try {
    const r = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', s.input.data, s.input.shape) });
    return r[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}
