// whittle bench train vs the same loop in PyTorch (bench/peer/train_bench.py), run alternately in one script so
// that both see the same machine load. Prints one row per run and the median ratio per model.
// Usage: node dist/bench/train-vs-pytorch.bench.js [rounds=3] [iters=20] [memory-format=channels_last]
import { lastJson, median, PYTHON } from './run-peers.js';

const rounds = Number(process.argv[2] ?? 3);
const iters = String(process.argv[3] ?? 20);
const fmt = process.argv[4] ?? 'channels_last';
const common = ['--input', '1x28x28', '--classes', '10', '--batch', '128', '--iters', iters, '--warmup', '5', '--threads', '2', '--memory-format', fmt];
const summary: Record<string, unknown>[] = [];
for (const arch of ['vgg-small', 'resnet-small']) {
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ours = lastJson(process.execPath, ['bin/whittle.js', 'bench', 'train', '--arch', arch, ...common, '--json']);
    const peer = lastJson(PYTHON, ['bench/peer/train_bench.py', '--arch', arch, ...common]);
    const ratio = (ours['imagesPerSec'] as number) / (peer['imagesPerSec'] as number);
    ratios.push(ratio);
    console.log(`${arch} round ${r + 1}: whittle ${(ours['imagesPerSec'] as number).toFixed(1)} images/s, pytorch ${(peer['imagesPerSec'] as number).toFixed(1)} images/s, ratio ${ratio.toFixed(3)}`);
  }
  summary.push({ arch, memoryFormat: fmt, rounds, medianRatio: median(ratios), ratios });
}
console.log(JSON.stringify({ bench: 'train-vs-pytorch', results: summary }));
