import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allReduce, distributedBackends, initProcessGroup, processGroupInfo, tensor } from '../../src/tensor/index.js';
import { freePort } from '../../src/distributed/index.js';
import { DistError } from '../../src/errors.js';
import { spawnRanks } from './spawn-ranks.js';

const available = distributedBackends().includes('gloo');
const skip = available ? false : 'the addon was built without c10d/Gloo (apt-get install libgloo-dev, then npm run build:addon)';

test('collectives outside a process group throw a DistError', { skip }, () => {
  assert.throws(() => allReduce([tensor(Float32Array.from([1]), [1])]), (e: unknown) => e instanceof DistError && e.code === 'E_DIST' && /no process group/.test(e.message));
});

test('asking for NCCL from a build without it is a DistError that names gloo, and leaves no group behind', { skip: skip || distributedBackends().includes('nccl') }, async () => {
  const o = { rank: 0, worldSize: 1, host: '127.0.0.1', port: await freePort(), timeoutMs: 5000, backend: 'nccl' as const };
  assert.throws(() => initProcessGroup(o), (e: unknown) => e instanceof DistError && /backend nccl is not in this build.*use gloo/.test(e.message));
  assert.equal(processGroupInfo(), null);
});

test('3 ranks over Gloo: bucketed allreduce (sum, avg, max), broadcast and barrier agree on every rank', { skip }, async () => {
  const rs = await spawnRanks('collective-worker.js', [0, 1, 2], (rank, port) => ['basic', String(rank), '3', String(port), '20000']);
  for (const [rank, r] of rs.entries()) {
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.out, {
      info: { rank, worldSize: 3, backend: 'gloo' },
      a: [6, 30, -3], b: [3, 6, 9, 15], c: [1, 1], d: [2, 0], e: [2, 2, 2, 2],
    });
  }
});

test('a peer that dies fails the next collective on the others at once, with E_DIST', { skip }, async () => {
  const [r0, r1] = await spawnRanks('collective-worker.js', [0, 1], (rank, port) => ['die', String(rank), '2', String(port), '60000']);
  assert.equal(r1!.code, 7);
  assert.equal(r0!.code, 0, r0!.stderr);
  assert.equal(r0!.out['error'], 'E_DIST');
  assert.match(String(r0!.out['message']), /allreduce: .*(Connection|closed|reset)/i);
  assert.ok(Number(r0!.out['ms']) < 10_000, `noticed after ${String(r0!.out['ms'])} ms, well within the 60 s timeout`);
});

test('a peer that stops answering fails the collective on the others after the timeout, never a hang', { skip }, async () => {
  const [r0] = await spawnRanks('collective-worker.js', [0, 1], (rank, port) => ['stuck', String(rank), '2', String(port), '3000']);
  assert.equal(r0!.out['error'], 'E_DIST');
  assert.match(String(r0!.out['message']), /allreduce: .*timed out/i);
  const ms = Number(r0!.out['ms']);
  assert.ok(ms >= 2500 && ms < 8000, `gave up after ${ms} ms (timeout 3000 ms)`);
});

test('a peer that never arrives fails the rendezvous within the timeout', { skip }, async () => {
  const [r0] = await spawnRanks('collective-worker.js', [0], (rank, port) => ['basic', String(rank), '2', String(port), '2000']);
  assert.equal(r0!.out['error'], 'E_DIST');
  assert.match(String(r0!.out['message']), /rendezvous: .*(Timed out|timeout)/i);
  assert.ok(Number(r0!.out['ms']) < 10_000, `gave up after ${String(r0!.out['ms'])} ms (timeout 2000 ms)`);
});
