// Builds the native addon (native/build/Release/whittle.node) against the libtorch that find-libtorch.mjs finds.
// Cached: a stamp holds a hash of the sources and of the libtorch chosen, so an unchanged tree builds nothing,
// and node-gyp's make rebuilds only the translation units whose sources changed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { findLibtorch } from './find-libtorch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const native = join(root, 'native');
const stampFile = join(native, 'build', 'whittle.stamp');
const addon = join(native, 'build', 'Release', 'whittle.node');
const force = process.argv.includes('--force');

let torch;
try {
  torch = findLibtorch();
} catch (e) {
  console.error(`whittle setup: ${e.message}`);
  process.exit(1);
}

const sources = ['binding.gyp', ...readdirSync(join(native, 'src')).sort().map((f) => join('src', f))];
const hash = createHash('sha256');
for (const f of sources) hash.update(f).update(readFileSync(join(native, f)));
hash.update(JSON.stringify(torch)).update(process.version);
const stamp = hash.digest('hex');

if (!force && existsSync(addon) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
  console.log(`whittle: addon up to date (libtorch ${torch.version} from ${torch.source})`);
  process.exit(0);
}

const dist = torch.distributed.length ? `, distributed: ${torch.distributed.join(', ')}` : ', without distributed (no c10d/Gloo headers; on Debian: apt-get install libgloo-dev)';
console.log(`whittle: building the addon against libtorch ${torch.version} from ${torch.source}${torch.cuda ? ' with CUDA' : ''}${dist}`);
const libs = ['-ltorch', '-ltorch_cpu', '-lc10', ...(torch.cuda ? ['-ltorch_cuda', '-lc10_cuda'] : [])];
const gypi = { variables: { torch_include: torch.include, torch_lib: torch.lib, torch_libs: libs, torch_cxx11_abi: torch.cxx11abi ? 1 : 0, torch_defines: torch.distributed.map((b) => `WHITTLE_WITH_${b.toUpperCase()}=1`) } };
writeFileSync(join(native, 'libtorch.gypi'), JSON.stringify(gypi, null, 2) + '\n');

// Build against the headers of the running Node when they sit beside it (Debian's nodejs, official tarballs),
// so that node-gyp never tries to download them.
const prefix = dirname(dirname(process.execPath));
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
const require = createRequire(import.meta.url);
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
const jobs = String(Math.max(1, Math.min(4, (await import('node:os')).availableParallelism())));
for (const step of [['configure'], ['build', '-j', jobs]]) {
  const r = spawnSync(process.execPath, [gyp, ...step, ...nodedir, '--release', `--directory=${native}`], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`whittle setup: node-gyp ${step[0]} failed (exit ${r.status}); see the compiler output above`);
    process.exit(1);
  }
}
mkdirSync(dirname(stampFile), { recursive: true });
writeFileSync(stampFile, stamp);
console.log(`whittle: built ${addon}`);
