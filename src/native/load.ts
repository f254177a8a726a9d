import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeBinding } from './binding.js';

/** Raised when the addon is not built or cannot be loaded; the message names the command that fixes it. */
export class AddonNotBuiltError extends Error {
  readonly code = 'E_ADDON';
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new AddonNotBuiltError('cannot find the whittle-nn package folder');
    dir = up;
  }
  return dir;
}

let cached: NativeBinding | undefined;

/**
 * Loads the addon: WHITTLE_ADDON=/path/whittle.node overrides, else native/build/Release/whittle.node in this
 * package. Throws AddonNotBuiltError naming `npx whittle setup` when it is missing or does not load.
 */
export function loadAddon(): NativeBinding {
  if (cached) return cached;
  const path = process.env['WHITTLE_ADDON'] ?? join(packageRoot(), 'native', 'build', 'Release', 'whittle.node');
  if (!existsSync(path)) {
    throw new AddonNotBuiltError(`the native addon is not built yet (${path} is missing): run \`npx whittle setup\`, which builds it against the libtorch it finds (and says what to install when there is none)`);
  }
  try {
    cached = createRequire(import.meta.url)(path) as NativeBinding;
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new AddonNotBuiltError(`the native addon at ${path} does not load (${why}): run \`npx whittle setup --force\` to rebuild it`);
  }
  return cached;
}

/** Like loadAddon, but returns undefined instead of throwing (for gating optional checks). */
export function tryLoadAddon(): NativeBinding | undefined {
  try {
    return loadAddon();
  } catch {
    return undefined;
  }
}
