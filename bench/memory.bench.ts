// Peak RSS of a 1,000-step vgg-small training loop: whittle vs PyTorch, each in its own process (GNU time's
// maximum resident set size). Usage: node dist/bench/memory.bench.js [steps=1000] [batch=128]
import { spawnSync } from 'node:child_process';
import { repoRoot, PYTHON } from './run-peers.js';

const steps = process.argv[2] ?? '1000';
const batch = process.argv[3] ?? '128';
function peakRssMb(cmd: string, args: string[]): number {
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', cmd, ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const m = /MAXRSS (\d+)/.exec(r.stderr);
  if (!m) throw new Error('no MAXRSS in GNU time output (install the `time` package)');
  return Number(m[1]) / 1024;
}
const common = ['--arch', 'vgg-small', '--input', '1x28x28', '--batch', batch, '--warmup', '0', '--threads', '2'];
const ours = peakRssMb(process.execPath, ['bin/whittle.js', 'bench', 'train', ...common, '--iters', steps, '--json']);
const peer = peakRssMb(PYTHON, ['bench/peer/train_bench.py', ...common, '--iters', steps]);
console.log(`peak RSS over ${steps} steps: whittle ${ours.toFixed(0)} MB, pytorch ${peer.toFixed(0)} MB, ratio ${(ours / peer).toFixed(3)}`);
console.log(JSON.stringify({ bench: 'memory', steps: Number(steps), whittleMb: ours, pytorchMb: peer, ratio: ours / peer }));
