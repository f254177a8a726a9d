// Mutated bytes of the fixture models: each case must load or throw a WhittleError — never crash, hang or throw
// anything else. 2,000 seeded cases; the whole test must finish well under 20 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnx } from '../../src/onnx/index.js';
import { WhittleError } from '../../src/errors.js';
import { liveTensors } from '../../src/tensor/index.js';
import { mulberry32 } from '../../src/data/prng.js';
import { fixturesDir, modelPath } from './helpers.js';

const CASES = 2000;
const MODELS = ['convbn_train', 'flatten_gemm', 'shape_slice', 'patterns', 'depthwise', 'squeeze_excite', 'activations17', 'resblock', 'external_data', 'const_nodes'];

/** One random edit: flip bits, overwrite with extreme bytes, truncate, insert, duplicate or delete a span. */
function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const pick = (n: number): number => Math.floor(rnd() * n);
  // Half the edits land in the first 2 KB, where exporters write the nodes and value infos.
  const pos = (n: number): number => (rnd() < 0.5 ? pick(Math.min(n, 2048)) : pick(n));
  const b = Uint8Array.from(src);
  switch (pick(6)) {
    case 0: {
      for (let k = 1 + pick(4); k > 0; k--) b[pos(b.length)]! ^= 1 << pick(8);
      return b;
    }
    case 1: {
      const at = pos(b.length);
      const v = [0x00, 0xff, 0x7f, 0x80][pick(4)]!;
      for (let i = at; i < Math.min(b.length, at + 1 + pick(8)); i++) b[i] = v;
      return b;
    }
    case 2: return b.subarray(0, pos(b.length));
    case 3: {
      const at = pos(b.length);
      const extra = Uint8Array.from({ length: 1 + pick(16) }, () => pick(256));
      return Uint8Array.from([...b.subarray(0, at), ...extra, ...b.subarray(at)]);
    }
    case 4: {
      const at = pos(b.length);
      const len = 1 + pick(64);
      return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at, at + len), ...b.subarray(at)]);
    }
    default: {
      const at = pos(b.length);
      return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + pick(32))]);
    }
  }
}

test(`fuzz: ${CASES} mutated models each load or throw a WhittleError`, { timeout: 120_000 }, () => {
  const t0 = performance.now();
  const sources = MODELS.map((name) => ({ name, bytes: new Uint8Array(readFileSync(modelPath(name))), baseDir: join(fixturesDir, name) }));
  const rnd = mulberry32(20240611);
  const before = liveTensors();
  let loaded = 0;
  let rejected = 0;
  let slowest = 0;
  const codes = new Map<string, number>();
  for (let i = 0; i < CASES; i++) {
    const s = sources[i % sources.length]!;
    const bytes = mutate(s.bytes, rnd);
    const c0 = performance.now();
    try {
      loadOnnx(bytes, { baseDir: s.baseDir, source: `${s.name}#${i}` }).dispose();
      loaded++;
    } catch (e) {
      if (!(e instanceof WhittleError)) assert.fail(`case ${i} (${s.name}): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      assert.equal(e.message.includes('\n'), false, 'one-line message');
      codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      rejected++;
    }
    slowest = Math.max(slowest, performance.now() - c0);
  }
  const total = performance.now() - t0;
  assert.ok(loaded > 100 && rejected > 100, `loaded ${loaded}, rejected ${rejected}`);
  assert.equal(liveTensors(), before, 'no tensor leaks on either path');
  console.log(`fuzz: ${loaded} loaded, ${rejected} rejected (${[...codes].map(([k, v]) => `${k} ${v}`).join(', ')}), ${total.toFixed(0)} ms, slowest ${slowest.toFixed(0)} ms`);
});
