// In a browser: a page served from this machine loads onnxruntime-web's WebAssembly build in headless Chromium, runs
// every pruned student (test/onnx/students.ts) and posts its outputs back; they match onnxruntime-node's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { manualSeed } from '../../src/tensor/index.js';
import { CHROMIUM, NO_CHROMIUM, headlessArgs } from '../helpers/chromium.js';
import { maxAbsDiff } from './helpers.js';
import { nodeOutput, prunedStudents, type Student } from './students.js';

const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));

// One thread: more would need SharedArrayBuffer, hence a cross-origin isolated page; the result is the same.
const PAGE = `<!doctype html><meta charset="utf-8"><title>whittle students in onnxruntime-web</title>
<script type="module">
const post = (body) => fetch('/result', { method: 'POST', body: JSON.stringify(body) });
try {
  const ort = await import('/ort/ort.wasm.min.mjs');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/ort/';
  const list = await (await fetch('/students.json')).json();
  const outputs = [];
  for (const [i, s] of list.entries()) {
    const bytes = new Uint8Array(await (await fetch('/student/' + i + '.onnx')).arrayBuffer());
    const x = new Float32Array(await (await fetch('/input/' + i + '.bin')).arrayBuffer());
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const r = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, s.shape) });
    const y = r[session.outputNames[0]];
    outputs.push({ name: s.name, dims: y.dims, data: Array.from(y.data) });
    await session.release();
  }
  await post({ outputs });
} catch (e) {
  await post({ error: String(e && e.stack || e) });
}
</script>`;

const TYPES: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' };

type Result = { outputs?: { name: string; dims: number[]; data: number[] }[]; error?: string };

/** Serves the page, onnxruntime-web's files and the students on 127.0.0.1 until the page posts its result. */
function serve(students: Student[]): Promise<{ url: string; result: Promise<Result>; close: () => void }> {
  let deliver!: (r: Result) => void;
  const result = new Promise<Result>((resolve) => (deliver = resolve));
  const send = (res: ServerResponse, type: string, body: string | Uint8Array): void => {
    res.writeHead(200, { 'content-type': type });
    res.end(body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const at = (prefix: string, suffix: string): Student | undefined => url.startsWith(prefix) && url.endsWith(suffix) ? students[Number(url.slice(prefix.length, -suffix.length))] : undefined;
    if (req.method === 'POST' && url === '/result') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        res.end();
        deliver(JSON.parse(body) as Result);
      });
    } else if (url === '/') send(res, 'text/html', PAGE);
    else if (url === '/students.json') send(res, 'application/json', JSON.stringify(students.map((s) => ({ name: s.name, shape: s.input.shape }))));
    else if (at('/student/', '.onnx')) send(res, 'application/octet-stream', at('/student/', '.onnx')!.bytes);
    else if (at('/input/', '.bin')) send(res, 'application/octet-stream', new Uint8Array(at('/input/', '.bin')!.input.data.buffer));
    else if (url.startsWith('/ort/') && !normalize(url).includes('..')) {
      const file = url.slice('/ort/'.length).split('?')[0]!;
      try {
        send(res, TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream', readFileSync(join(ortDist, file)));
      } catch {
        res.writeHead(404).end();
      }
    } else res.writeHead(404).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    resolve({ url: `http://127.0.0.1:${port}/`, result, close: () => server.close() });
  }));
}

test('pruned students run in onnxruntime-web in headless Chromium and give onnxruntime-node\'s outputs', async (t) => {
  if (!CHROMIUM) return t.skip(NO_CHROMIUM);
  manualSeed(0);
  const students = prunedStudents();
  const { url, result, close } = await serve(students);
  const browser = spawn(CHROMIUM, [...headlessArgs(), url], { stdio: 'ignore' });
  try {
    const timeout = new Promise<Result>((resolve) => setTimeout(() => resolve({ error: 'no result from the page within 120 s' }), 120_000).unref());
    const r = await Promise.race([result, timeout]);
    assert.equal(r.error, undefined, r.error);
    assert.deepEqual(r.outputs!.map((o) => o.name), students.map((s) => s.name));
    for (const [i, s] of students.entries()) {
      const o = r.outputs![i]!;
      assert.deepEqual(o.dims, [s.input.shape[0], 10], `${s.name}: output shape`);
      const d = maxAbsDiff(o.data, await nodeOutput(s));
      assert.ok(d <= 1e-4, `${s.name}: onnxruntime-web in Chromium vs onnxruntime-node max abs diff ${d.toExponential(3)}`);
    }
  } finally {
    browser.kill('SIGKILL');
    close();
  }
});
