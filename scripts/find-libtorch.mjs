// Finds libtorch the way tch-rs does, in this order:
//   1. LIBTORCH=/path  a libtorch folder (the zip from pytorch.org, or a Python torch's package folder) with include/ and lib/
//      LIBTORCH_INCLUDE / LIBTORCH_LIB override the two folders; LIBTORCH_CXX11_ABI=0|1 overrides the ABI guess.
//   2. the system: Debian/Ubuntu's libtorch-dev (/usr/include/torch, libtorch.so in the multiarch lib folder)
//   3. a Python torch install: `python3 -c 'import torch'` (tried with /usr/bin/python3 and the python3 on PATH)
// Returns { source, include: [...], lib, cxx11abi, cuda, version, distributed } or throws an Error listing the remedies.
// distributed lists the c10d backends whose headers are there: 'gloo' (c10d + Gloo headers; Debian: libgloo-dev),
// 'nccl' (a CUDA build with nccl.h); build-addon.mjs compiles native/src/dist.cc's backends from it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const REMEDIES = `no libtorch found. Do one of:
  - sudo apt-get install libtorch-dev        (Debian/Ubuntu system libtorch)
  - export LIBTORCH=/path/to/libtorch        (a libtorch folder with include/ and lib/)
  - install PyTorch for /usr/bin/python3     (e.g. sudo apt-get install python3-torch)`;

function readVersion(includeDirs) {
  for (const dir of includeDirs) {
    const f = join(dir, 'torch', 'version.h');
    if (existsSync(f)) {
      const m = readFileSync(f, 'utf8').match(/TORCH_VERSION\s+"([^"]+)"/);
      const major = readFileSync(f, 'utf8').match(/TORCH_VERSION_MAJOR (\d+)/)?.[1];
      const minor = readFileSync(f, 'utf8').match(/TORCH_VERSION_MINOR (\d+)/)?.[1];
      if (m) return m[1];
      if (major && minor) return `${major}.${minor}`;
    }
  }
  return 'unknown';
}

function hasCuda(libDir) {
  return existsSync(libDir) && readdirSync(libDir).some((f) => /^libtorch_cuda\.so/.test(f));
}

function fromFolder(root, source) {
  const include = process.env.LIBTORCH_INCLUDE ?? join(root, 'include');
  const lib = process.env.LIBTORCH_LIB ?? join(root, 'lib');
  if (!existsSync(join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h'))) {
    throw new Error(`LIBTORCH=${root}: ${include}/torch/csrc/api/include/torch/torch.h not found; LIBTORCH must name a folder with include/ and lib/`);
  }
  if (!existsSync(lib) || !readdirSync(lib).some((f) => /^libtorch(_cpu)?\.so/.test(f))) {
    throw new Error(`LIBTORCH=${root}: no libtorch.so in ${lib}`);
  }
  const includes = [include, join(include, 'torch', 'csrc', 'api', 'include')];
  // pytorch.org's cxx11-abi zips and Debian use the new ABI; pip wheels before 2.x the old one.
  const abiEnv = process.env.LIBTORCH_CXX11_ABI;
  const cxx11abi = abiEnv !== undefined ? abiEnv !== '0' : guessAbi(lib);
  return { source, include: includes, lib, cxx11abi, cuda: hasCuda(lib), version: readVersion(includes.slice(1)) };
}

function guessAbi(lib) {
  try {
    const syms = execFileSync('nm', ['-D', '--defined-only', join(lib, readdirSync(lib).find((f) => /^libc10\.so/.test(f)))], { encoding: 'utf8', maxBuffer: 1 << 28 });
    return syms.includes('__cxx11');
  } catch {
    return true;
  }
}

function fromSystem() {
  const include = '/usr/include';
  if (!existsSync(join(include, 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h'))) return null;
  let triplet = '';
  try {
    triplet = execFileSync('gcc', ['-dumpmachine'], { encoding: 'utf8' }).trim();
  } catch {
    triplet = `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  }
  const lib = [`/usr/lib/${triplet}`, '/usr/lib', '/usr/local/lib'].find((d) => existsSync(join(d, 'libtorch.so')));
  if (!lib) return null;
  const includes = [include, join(include, 'torch', 'csrc', 'api', 'include')];
  return { source: 'system (libtorch-dev)', include: includes, lib, cxx11abi: true, cuda: hasCuda(lib), version: readVersion(includes.slice(1)) };
}

function fromPython() {
  const snippet = 'import torch, os; from torch.utils import cpp_extension as c; ' +
    'print(torch.__version__); print(int(torch._C._GLIBCXX_USE_CXX11_ABI)); print(c.include_paths()[0]); print(os.path.join(os.path.dirname(torch.__file__), "lib"))';
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      const [version, abi, include, lib] = execFileSync(py, ['-c', snippet], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
      const libDir = existsSync(join(lib, 'libtorch.so')) ? lib : fromSystem()?.lib;
      if (!libDir) continue;
      const includes = [include, join(include, 'torch', 'csrc', 'api', 'include')];
      return { source: `python torch ${version} (${py})`, include: includes, lib: libDir, cxx11abi: abi === '1', cuda: hasCuda(libDir), version };
    } catch {
      // this interpreter has no torch; try the next one
    }
  }
  return null;
}

function distributedBackends(found) {
  const dirs = [...found.include, '/usr/include', '/usr/local/include'];
  const has = (rel) => dirs.some((d) => existsSync(join(d, rel)));
  const out = [];
  if (has('torch/csrc/distributed/c10d/ProcessGroupGloo.hpp') && has('gloo/context.h')) out.push('gloo');
  if (out.length && found.cuda && has('torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp') && has('nccl.h')) out.push('nccl');
  return out;
}

export function findLibtorch() {
  const found = process.env.LIBTORCH ? fromFolder(process.env.LIBTORCH, `LIBTORCH=${process.env.LIBTORCH}`) : fromSystem() ?? fromPython();
  if (!found) throw new Error(REMEDIES);
  return { ...found, distributed: distributedBackends(found) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    console.log(JSON.stringify(findLibtorch(), null, 2));
  } catch (e) {
    console.error(`whittle: ${e.message}`);
    process.exit(1);
  }
}
