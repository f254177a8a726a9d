// The code's map has floors: no two source files, and no two modules (src/'s folders), import each other directly
// or round a loop, and src/report (a bottom floor) imports nothing outside itself. scripts/import-circles.mjs is the
// check (also runnable alone); it is tried here on a small tree with circles, so that a check that finds nothing
// cannot pass for a house without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

type Circles = { files: string[][]; modules: string[][] };
type Check = {
  findCircles(root: string, base?: string): Circles;
  importGraph(root: string): Map<string, Set<string>>;
};

// dist/test/architecture/ -> the repository root
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SRC = join(ROOT, 'src');
const check = (await import(join(ROOT, 'scripts', 'import-circles.mjs'))) as Check;

test('no import circle between the source files or the modules of src/', () => {
  const { files, modules } = check.findCircles(SRC, ROOT);
  assert.deepEqual(files, [], `circles between files:\n${files.map((c) => c.join('\n')).join('\n\n')}`);
  assert.deepEqual(modules, [], `circles between modules:\n${modules.map((c) => c.join('\n')).join('\n\n')}`);
});

test('src/report imports nothing outside itself', () => {
  const report = join(SRC, 'report') + sep;
  const outside = [...check.importGraph(SRC)].flatMap(([f, ts]) =>
    f.startsWith(report) ? [...ts].filter((t) => !t.startsWith(report)).map((t) => `${relative(ROOT, f)} -> ${relative(ROOT, t)}`) : []);
  assert.deepEqual(outside, []);
});

test('the check finds circles between files, round a loop and type-only, and between modules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-circles-'));
  try {
    const put = (path: string, text: string): void => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    // a -> b -> c -> a inside one module; low/x imports high's index, whose file imports low/y: modules only
    put('m/a.ts', "import { b } from './b.js';\nexport const a = b;\n");
    put('m/b.ts', "export { c as b } from './c.js';\n");
    put('m/c.ts', "import type { A } from './a.js';\nexport const c = 1 as unknown as A;\n");
    put('low/x.ts', "import { h } from '../high/index.js';\nexport const x = h;\n");
    put('low/y.ts', 'export const y = 1;\n');
    put('high/index.ts', "export { h } from './h.js';\n");
    put('high/h.ts', "import { y } from '../low/y.js';\nexport const h = y;\n");
    put('ok.ts', "import { y } from './low/y.js';\nexport const ok = y;\n");
    const { files, modules } = check.findCircles(dir, dir);
    assert.deepEqual(files, [[`m${sep}a.ts -> m${sep}b.ts`, `m${sep}b.ts -> m${sep}c.ts`, `m${sep}c.ts -> m${sep}a.ts`]]);
    assert.deepEqual(modules.map((c) => [...c].sort()), [['high -> low', 'low -> high']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
