import { createRequire } from 'node:module';

/** whittle's version, from the package.json two folders above the compiled dist/src/version.js. */
export const WHITTLE_VERSION: string = (() => {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
