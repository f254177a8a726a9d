// Import plus shape inference time (issue 33: swin_t under 0.5 s, a 100 MB model under 1 s): whittle's loadOnnx and
// inferShapes on torchvision's swin_t (scripts/gen-wild-models.py, 64x64 input, opset 17, fixed and dynamic batch),
// resnet50 (102 MB) and vgg11_bn (531 MB, 224x224) from scripts/gen-torchvision-models.py, each file's fixed-batch
// and dynamic export, side by side with onnxruntime-node opening the same file (InferenceSession.create: parse,
// shape inference and graph optimisation, one thread), alternating, best of 5 after a warm-up. Wall and this
// process's CPU seconds are both shown: the machine may be shared (its load average is printed).
// Usage: node dist/bench/import-time.bench.js   (WHITTLE_WILD_DIR, default /tmp/whittle-wild; WHITTLE_MODELS_DIR,
//        default /tmp/whittle-torchvision; missing models are skipped with the command that makes them)
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadOnnx } from '../src/onnx/index.js';
import { inferShapes } from '../src/exec/index.js';

const ROUNDS = 5;
const wild = process.env['WHITTLE_WILD_DIR'] ?? '/tmp/whittle-wild';
const models = process.env['WHITTLE_MODELS_DIR'] ?? '/tmp/whittle-torchvision';
const FILES: [string, string, string][] = [
  ['swin_t (fixed batch)', join(wild, 'swin_t-op17-fixed', 'model.onnx'), `/usr/bin/python3 scripts/gen-wild-models.py ${wild} --models swin_t`],
  ['swin_t (dynamic batch)', join(wild, 'swin_t-op17-dynamic', 'model.onnx'), `/usr/bin/python3 scripts/gen-wild-models.py ${wild} --models swin_t`],
  ['resnet50 (fixed batch)', join(models, 'resnet50', 'model-fixed.onnx'), `/usr/bin/python3 scripts/gen-torchvision-models.py ${models} --models resnet50`],
  ['resnet50 (dynamic batch)', join(models, 'resnet50', 'model.onnx'), `/usr/bin/python3 scripts/gen-torchvision-models.py ${models} --models resnet50`],
  ['vgg11_bn (fixed batch)', join(models, 'vgg11_bn', 'model-fixed.onnx'), `/usr/bin/python3 scripts/gen-torchvision-models.py ${models} --models vgg11_bn`],
];

type Sample = { wall: number; cpu: number; parts?: string };

async function timed(fn: () => Promise<string | undefined> | string | undefined): Promise<Sample> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const parts = await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6, ...(parts ? { parts } : {}) };
}

function whittle(path: string): string {
  const t0 = process.hrtime.bigint();
  const g = loadOnnx(path);
  const t1 = process.hrtime.bigint();
  try {
    inferShapes(g);
  } finally {
    g.dispose();
  }
  const t2 = process.hrtime.bigint();
  return `import ${(Number(t1 - t0) / 1e9).toFixed(3)} s + shapes ${(Number(t2 - t1) / 1e9).toFixed(3)} s`;
}

async function onnxruntime(path: string): Promise<undefined> {
  const s = await ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  await s.release();
  return undefined;
}

const best = (xs: Sample[]): Sample => xs.reduce((a, b) => (b.wall < a.wall ? b : a));
const rows: string[] = [];
console.log(`load average at start: ${loadavg().map((v) => v.toFixed(2)).join(', ')}`);
for (const [name, path, make] of FILES) {
  if (!existsSync(path)) {
    console.log(`${name}: skipped (${path} missing; make it with: ${make})`);
    continue;
  }
  whittle(path);
  await onnxruntime(path);
  const ours: Sample[] = [];
  const peer: Sample[] = [];
  for (let k = 0; k < ROUNDS; k++) {
    ours.push(await timed(() => whittle(path)));
    peer.push(await timed(() => onnxruntime(path)));
  }
  const [a, b] = [best(ours), best(peer)];
  const row = `| ${name} | ${a.wall.toFixed(3)} (${a.parts}) | ${a.cpu.toFixed(3)} | ${b.wall.toFixed(3)} | ${b.cpu.toFixed(3)} | ${(a.wall / b.wall).toFixed(2)} |`;
  rows.push(row);
  console.log(row);
  console.log(JSON.stringify({ bench: 'import-time', model: name, whittleWall: ours.map((s) => s.wall), whittleCpu: ours.map((s) => s.cpu), ortWall: peer.map((s) => s.wall), ortCpu: peer.map((s) => s.cpu) }));
}
console.log(`load average at end: ${loadavg().map((v) => v.toFixed(2)).join(', ')}`);
console.log(['', '| model | whittle import + shapes, wall s (best of 5) | its CPU s | onnxruntime-node session, wall s | its CPU s | ratio (wall) |', '|---|---|---|---|---|---|', ...rows].join('\n'));
