import fs from 'node:fs';
import type { Runtime, RuntimeSession, RuntimeTensor, SessionOptions, ProfiledNode } from './runtime.js';
import { RuntimeError } from './runtime.js';
import { readTrace } from './trace.js';
import { fromOrt, toOrt, type OrtTensorClass } from './ort-tensors.js';

/** The version whittle is tested with; onnxruntime-web is not a dependency of the package (it is large and only this
 * runtime needs it), so it is loaded when asked for. */
export const WEB_VERSION = '1.23.2';

type WebSession = {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>, fetches?: readonly string[]): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
  endProfiling(): Promise<void>;
  release(): Promise<void>;
};
type WebModule = {
  env: { wasm: { numThreads?: number }; logLevel?: string };
  Tensor: OrtTensorClass<unknown>;
  InferenceSession: { create(model: Uint8Array, o: Record<string, unknown>): Promise<WebSession> };
};

let loaded: Promise<WebModule> | undefined;

async function load(): Promise<WebModule> {
  loaded ??= (import('onnxruntime-web' as string) as Promise<WebModule>).catch(() => {
    loaded = undefined;
    throw new RuntimeError('--runtime onnxruntime-web: the onnxruntime-web package is not installed', `npm i onnxruntime-web@${WEB_VERSION}`);
  });
  return loaded;
}

/** What `fn` writes to file descriptor 1 while it runs, kept from the terminal: the WebAssembly build prints its
 * profile there with fs.writeSync. */
async function capturingStdout(fn: () => Promise<void>): Promise<string> {
  const writeSync = fs.writeSync;
  let text = '';
  fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 1) return (writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
    const s = typeof data === 'string' ? data : Buffer.from(data as Uint8Array).toString('utf8');
    text += s;
    return Buffer.byteLength(s);
  }) as typeof fs.writeSync;
  try {
    await fn();
  } finally {
    fs.writeSync = writeSync;
  }
  return text;
}

/** onnxruntime-web's WebAssembly backend, run in Node (single-threaded unless `threads` says otherwise). */
export const onnxruntimeWeb: Runtime = {
  name: 'onnxruntime-web',
  async open(model: Uint8Array, o: SessionOptions = {}): Promise<RuntimeSession> {
    const web = await load();
    web.env.wasm.numThreads = o.threads ?? 1;
    web.env.logLevel = 'error';
    let s: WebSession;
    try {
      s = await web.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: o.optimization ?? 'all', ...(o.profile ? { enableProfiling: true } : {}) });
    } catch (e) {
      throw new RuntimeError(`onnxruntime-web cannot load the model: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    }
    return {
      inputNames: s.inputNames,
      outputNames: s.outputNames,
      async run(feeds: Readonly<Record<string, RuntimeTensor>>, outputs?: readonly string[]) {
        return fromOrt(await s.run(toOrt(web.Tensor, feeds), outputs));
      },
      async endProfiling(): Promise<ProfiledNode[] | null> {
        if (!o.profile) return null;
        const text = await capturingStdout(() => s.endProfiling());
        const start = text.indexOf('[');
        return start < 0 ? null : readTrace(text.slice(start, text.lastIndexOf(']') + 1));
      },
      release: () => s.release(),
    };
  },
  optimizedModel: async () => null,
};
