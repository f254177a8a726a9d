import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Runtime, RuntimeSession, RuntimeTensor, SessionOptions } from './runtime.js';
import { RuntimeError } from './runtime.js';
import { readTrace } from './trace.js';
import { fromOrt, toOrt } from './ort-tensors.js';

function sessionOptions(o: SessionOptions): ort.InferenceSession.SessionOptions {
  return { intraOpNumThreads: o.threads ?? 1, interOpNumThreads: 1, graphOptimizationLevel: o.optimization ?? 'all', executionProviders: ['cpu'], logSeverityLevel: 3 };
}

async function create(model: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(model, options);
  } catch (e) {
    throw new RuntimeError(`onnxruntime-node cannot load the model: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
}

/** onnxruntime-node on the CPU. Its profiler writes a JSON trace into a temporary folder, read back and removed. */
export const onnxruntimeNode: Runtime = {
  name: 'onnxruntime-node',
  async open(model, o = {}): Promise<RuntimeSession> {
    const dir = o.profile ? mkdtempSync(join(tmpdir(), 'whittle-profile-')) : null;
    const s = await create(model, { ...sessionOptions(o), ...(dir ? { enableProfiling: true, profileFilePrefix: join(dir, 'ort') } : {}) });
    let released = false;
    return {
      inputNames: s.inputNames,
      outputNames: s.outputNames,
      async run(feeds, outputs) {
        // onnxruntime-node 1.23.2 returns the first output alone when given a list of fetches: all are read instead
        const r = fromOrt(await s.run(toOrt(ort.Tensor, feeds)) as Record<string, { data: RuntimeTensor['data']; dims: readonly number[] }>);
        return outputs ? Object.fromEntries(outputs.map((n) => [n, r[n]!])) : r;
      },
      async endProfiling() {
        if (!dir) return null;
        s.endProfiling();
        const file = readdirSync(dir).find((f) => f.endsWith('.json'));
        return file ? readTrace(readFileSync(join(dir, file), 'utf8')) : null;
      },
      async release() {
        if (released) return;
        released = true;
        await s.release();
        if (dir) rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  async optimizedModel(model, o = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-optimized-'));
    try {
      const file = join(dir, 'optimized.onnx');
      const s = await create(model, { ...sessionOptions(o), optimizedModelFilePath: file });
      await s.release();
      return new Uint8Array(readFileSync(file));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
