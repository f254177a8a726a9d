import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WhittleError } from '../../errors.js';

export function registerSetup(p: Command): void {
  p.command('setup')
    .description('build the native addon against the libtorch found (LIBTORCH, the system, or Python torch); a no-op when up to date')
    .option('--force', 'rebuild even when up to date')
    .action((o: { force?: boolean }) => {
      const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
      const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-addon.mjs'), ...(o.force ? ['--force'] : [])], { stdio: 'inherit' });
      if (r.status !== 0) throw new WhittleError('E_ADDON', 'setup failed; see the messages above');
    });
}
