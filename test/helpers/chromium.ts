// Headless Chromium (Debian's `chromium`) for tests that check what a browser does with whittle's outputs.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export const NO_CHROMIUM = 'Debian chromium is not installed (apt-get install chromium)';

/** Flags for a headless run with a fresh profile that reaches nothing outside this machine on its own. */
export function headlessArgs(): string[] {
  const profile = mkdtempSync(join(tmpdir(), 'whittle-chromium-'));
  return ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
}
