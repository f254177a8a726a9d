import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { checkMaster, distConfigFrom, parseMaster } from '../../src/distributed/index.js';

test('config: flags, else the torchrun environment; no world size (or 1) is a single process', () => {
  assert.equal(distConfigFrom({}, {}), null);
  assert.equal(distConfigFrom({}, { WORLD_SIZE: '1', RANK: '0' }), null);
  assert.deepEqual(distConfigFrom({ rank: '1', worldSize: '4', master: 'node0:1234', distTimeout: '7.5' }, {}), {
    rank: 1, worldSize: 4, masterAddr: 'node0', masterPort: 1234, timeoutMs: 7500, backend: 'gloo',
  });
  const env = { RANK: '2', WORLD_SIZE: '3', MASTER_ADDR: '10.0.0.1', MASTER_PORT: '29511', GLOO_SOCKET_IFNAME: 'eth1' };
  assert.deepEqual(distConfigFrom({}, env), { rank: 2, worldSize: 3, masterAddr: '10.0.0.1', masterPort: 29511, timeoutMs: 300_000, backend: 'gloo', iface: 'eth1' });
  assert.equal(distConfigFrom({ rank: '0' }, env)!.rank, 0, 'a flag wins over its variable');
  assert.deepEqual(parseMaster('[::1]:80'), { addr: '::1', port: 80 });
  assert.deepEqual(parseMaster('host'), { addr: 'host', port: 29500 });
});

test('config: mistakes are ConfigErrors that name the flag', () => {
  const bad: [Parameters<typeof distConfigFrom>[0], NodeJS.ProcessEnv, RegExp][] = [
    [{ rank: '0' }, {}, /--world-size: is needed/],
    [{ worldSize: '2', master: 'a:1' }, {}, /--rank: is needed/],
    [{ worldSize: '2', rank: '2', master: 'a:1' }, {}, /--rank: must be below the world size 2/],
    [{ worldSize: '2', rank: '1' }, {}, /--master: is needed/],
    [{ worldSize: '2', rank: '1', master: 'a:99999' }, {}, /--master: port must be in/],
    [{ worldSize: 'two', rank: '1', master: 'a:1' }, {}, /--world-size: expected a whole number/],
    [{ worldSize: '2', rank: '1', master: 'a:1', distTimeout: '0' }, {}, /--dist-timeout/],
    [{ worldSize: '2', rank: '1', master: 'a:1', distBackend: 'mpi' }, {}, /--dist-backend: expected gloo or nccl/],
  ];
  for (const [flags, env, msg] of bad) assert.throws(() => distConfigFrom(flags, env), (e: unknown) => e instanceof ConfigError && msg.test(e.message));
});

test('config: a master that cannot work fails at once, before any rendezvous', async () => {
  const base = { worldSize: 2, masterPort: 29500, timeoutMs: 1000, backend: 'gloo' as const };
  await assert.rejects(checkMaster({ ...base, rank: 1, masterAddr: 'no-such-host.invalid' }), /cannot resolve the master host 'no-such-host.invalid'/);
  // 192.0.2.1 is TEST-NET-1: never an address of this machine, so rank 0 cannot host the store there
  await assert.rejects(checkMaster({ ...base, rank: 0, masterAddr: '192.0.2.1' }), /rank 0 hosts the rendezvous, but 192.0.2.1/);
  await checkMaster({ ...base, rank: 0, masterAddr: '127.0.0.1' });
  await checkMaster({ ...base, rank: 1, masterAddr: '192.0.2.1' });
});
