import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distributedBackends, manualSeed } from '../../src/tensor/index.js';
import { buildZooGraph } from '../../src/zoo/index.js';
import { saveOnnx } from '../../src/onnx/index.js';
import { repoRoot } from '../cli/run-cli.js';

// Two "hosts": network namespaces joined by a veth pair (10.231.0.1 <-> 10.231.0.2), each rank started in its own
// with `ip netns exec`, so the rendezvous and Gloo's traffic cross a real (virtual) link, not loopback.
const id = process.pid % 100000;
const ns = [`whittle-a${id}`, `whittle-b${id}`];
const dev = [`wha${id}`, `whb${id}`];
const addr = ['10.231.0.1', '10.231.0.2'];
const ip = (...args: string[]): boolean => spawnSync('ip', args, { stdio: 'ignore' }).status === 0;

function setUp(): boolean {
  if (process.getuid?.() !== 0 || !ip('netns', 'add', ns[0]!)) return false;
  const ok = ip('netns', 'add', ns[1]!) && ip('link', 'add', dev[0]!, 'type', 'veth', 'peer', 'name', dev[1]!)
    && [0, 1].every((i) => ip('link', 'set', dev[i]!, 'netns', ns[i]!) && ip('-n', ns[i]!, 'addr', 'add', `${addr[i]}/24`, 'dev', dev[i]!)
      && ip('-n', ns[i]!, 'link', 'set', dev[i]!, 'up') && ip('-n', ns[i]!, 'link', 'set', 'lo', 'up'));
  if (!ok) tearDown();
  return ok;
}
function tearDown(): void {
  for (const n of ns) ip('netns', 'del', n);
}

const gloo = distributedBackends().includes('gloo');
const hosts = gloo && setUp();
process.on('exit', tearDown);
const skip = !gloo ? 'the addon was built without c10d/Gloo' : hosts ? false : 'needs root and `ip netns` (iproute2) to simulate two hosts';

test('compress across two simulated hosts: --rank/--world-size/--master on each, rank 0 writes the run', { skip, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-netns-'));
  try {
    manualSeed(0);
    const g = buildZooGraph('mlp', { input: [1, 28, 28], classes: 10 });
    await saveOnnx(g, join(dir, 'teacher.onnx'));
    g.dispose();
    const runs = [0, 1].map((rank) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const args = [
        'netns', 'exec', ns[rank]!, process.execPath, join(repoRoot, 'bin', 'whittle.js'), 'compress', '--teacher', join(dir, 'teacher.onnx'),
        '--data', 'mnist', '--train-subset', '1000', '--val-size', '200', '--ratios', '0.5', '--epochs-per-step', '1', '--batch-size', '100',
        '--threads', '1', '--augment', 'off', '--json', '-o', join(dir, `run-${rank}`),
        '--rank', String(rank), '--world-size', '2', '--master', `${addr[0]}:29500`, '--dist-timeout', '60',
      ];
      const p = spawn('ip', args, { env: { ...process.env, GLOO_SOCKET_IFNAME: dev[rank]! }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('exit', (code) => resolve({ code, stderr }));
    }));
    const [r0, r1] = await Promise.all(runs);
    assert.equal(r0!.code, 0, r0!.stderr);
    assert.equal(r1!.code, 0, r1!.stderr);
    const report = JSON.parse(readFileSync(join(dir, 'run-0', 'report.json'), 'utf8')) as { config: { worldSize: number }; steps: unknown[] };
    assert.equal(report.config.worldSize, 2);
    assert.equal(report.steps.length, 1);
    assert.ok(!existsSync(join(dir, 'run-1')) || readdirSync(join(dir, 'run-1')).length === 0, 'rank 1 writes nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
