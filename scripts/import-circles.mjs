#!/usr/bin/env node
// Import circles among the TypeScript files under a folder (default src/): files that import each other, directly or
// round a loop, type-only imports included; and circles among its modules (its top-level folders, each file at the
// top its own). A circle is a sign that a type or helper lives on the wrong floor: move it down to the lowest module
// that produces it, or into a lower one both sides import.
// Usage: node scripts/import-circles.mjs [ROOT=src]   exit 1 when there is a circle. test/architecture runs it too.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]/g;

/** Every .ts file under `root` (declaration files aside), as absolute paths. */
function sourceFiles(root) {
  const files = [];
  (function walk(d) {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(p);
    }
  })(root);
  return files;
}

/** The files each file imports by a relative path ('./x.js' is x.ts; './dir/index.js' or './dir' its index.ts). */
export function importGraph(root) {
  const edges = new Map();
  for (const f of sourceFiles(root)) {
    const out = new Set();
    for (const m of fs.readFileSync(f, 'utf8').matchAll(IMPORT)) {
      let t = path.resolve(path.dirname(f), m[1]).replace(/\.js$/, '.ts');
      const index = path.join(t.replace(/\.ts$/, ''), 'index.ts');
      if (!fs.existsSync(t) && fs.existsSync(index)) t = index;
      if (fs.existsSync(t)) out.add(t);
    }
    edges.set(f, out);
  }
  return edges;
}

/** Strongly connected components of more than one node (Tarjan), each as a list of nodes. */
function circles(edges) {
  let next = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), found = [];
  function strong(v) {
    idx.set(v, next); low.set(v, next++); stack.push(v); on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const c = [];
      let w;
      do { w = stack.pop(); on.delete(w); c.push(w); } while (w !== v);
      if (c.length > 1) found.push(c.sort());
    }
  }
  for (const v of edges.keys()) if (!idx.has(v)) strong(v);
  return found;
}

/** The imports inside each circle, as 'from -> to' lines (`rel` names a node). */
function describe(circle, edges, rel) {
  const inside = new Set(circle);
  return circle.flatMap((f) => [...(edges.get(f) ?? [])].filter((t) => inside.has(t)).map((t) => `${rel(f)} -> ${rel(t)}`));
}

/**
 * The circles under `root`: between files, and between modules (a module imports another when any of its files
 * imports one of the other's). Each circle is the list of imports that close it.
 */
export function findCircles(root, base = process.cwd()) {
  root = path.resolve(root);
  const files = importGraph(root);
  const moduleOf = (f) => path.relative(root, f).split(path.sep)[0];
  const modules = new Map();
  for (const [f, ts] of files) {
    const m = moduleOf(f);
    if (!modules.has(m)) modules.set(m, new Set());
    for (const t of ts) if (moduleOf(t) !== m) modules.get(m).add(moduleOf(t));
  }
  return {
    files: circles(files).map((c) => describe(c, files, (f) => path.relative(base, f))),
    modules: circles(modules).map((c) => describe(c, modules, (m) => m)),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { files, modules } = findCircles(process.argv[2] ?? 'src');
  for (const c of files) console.log(`circle between files:\n  ${c.join('\n  ')}`);
  for (const c of modules) console.log(`circle between modules:\n  ${c.join('\n  ')}`);
  const n = files.length + modules.length;
  console.log(n ? `${n} import circle(s)` : 'no import circles');
  process.exit(n ? 1 : 0);
}
