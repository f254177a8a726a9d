import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchLocal, STOP_GRACE_MS } from '../../src/distributed/index.js';
import { DistError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'whittle-launch-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A worker script: writes its rank's environment to a file, then does what `behaviour` says for its rank. */
function script(name: string, behaviour: string): string {
  const path = join(dir, `${name}.mjs`);
  writeFileSync(path, `import { writeFileSync } from 'node:fs';
const e = process.env;
writeFileSync(${JSON.stringify(dir)} + '/${name}-' + e.RANK + '.json', JSON.stringify({ rank: e.RANK, local: e.LOCAL_RANK, world: e.WORLD_SIZE, addr: e.MASTER_ADDR, port: e.MASTER_PORT, args: process.argv.slice(2) }));
const rank = Number(e.RANK);
${behaviour}
`);
  return path;
}
const seen = (name: string, rank: number): Record<string, unknown> => JSON.parse(readFileSync(join(dir, `${name}-${rank}.json`), 'utf8')) as Record<string, unknown>;

test('launchLocal gives each worker its rank, the world size and one rendezvous address, and resolves when all exit 0', async () => {
  await launchLocal(3, { script: script('ok', ''), args: ['--x', '1'], timeoutMs: 60_000, log: () => undefined });
  const all = [0, 1, 2].map((r) => seen('ok', r));
  assert.deepEqual(all.map((s) => [s.rank, s.local, s.world]), [['0', '0', '3'], ['1', '1', '3'], ['2', '2', '3']]);
  assert.ok(all.every((s) => s.addr === '127.0.0.1' && s.port === all[0]!.port && Number(s.port) > 0));
  assert.deepEqual(all[0]!.args, ['--x', '1']);
});

test('a failed worker stops the run within the grace period, even when the others would wait for a long timeout', async () => {
  // rank 1 fails; rank 0 neither exits nor reaches a collective (as one writing a checkpoint, or waiting on the dead peer)
  const path = script('hang', 'if (rank === 1) { console.error("rank 1 gives up"); process.exit(3); } else setInterval(() => undefined, 1000);');
  const lines: string[] = [];
  const t0 = Date.now();
  await assert.rejects(launchLocal(2, { script: path, args: [], timeoutMs: 600_000, log: (l) => lines.push(l) }), (e: unknown) => {
    assert.ok(e instanceof DistError);
    assert.match(e.message, /^worker rank 1 exited with code 3; the run stopped on all 2 workers/);
    return true;
  });
  const took = Date.now() - t0;
  assert.ok(took >= STOP_GRACE_MS - 100, `waited the grace period for rank 0 to fail by itself (${took} ms)`);
  assert.ok(took < STOP_GRACE_MS + 15_000, `did not wait for the group's timeout (${took} ms)`);
  assert.deepEqual(lines, ['[rank 1] rank 1 gives up']);
});

test('a short group timeout shortens the grace period', async () => {
  const path = script('short', 'if (rank === 0) process.exit(2); else setInterval(() => undefined, 1000);');
  const t0 = Date.now();
  await assert.rejects(launchLocal(2, { script: path, args: [], timeoutMs: 500, log: () => undefined }), /worker rank 0 exited with code 2/);
  assert.ok(Date.now() - t0 < STOP_GRACE_MS, 'stopped after the 0.5 s timeout, not the full grace period');
});
