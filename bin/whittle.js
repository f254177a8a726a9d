#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('whittle: the TypeScript build is missing (dist/); run `npm run build` in the package folder');
  process.exit(1);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
