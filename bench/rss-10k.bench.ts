// RSS over a 10,000-step training loop (lenet5 on 1x28x28, batch 32, SGD with momentum, tidy per step), sampled
// every 1,000 steps: the engine's handles, tidy scopes and the FinalizationRegistry must not let it grow.
// Usage: node dist/bench/rss-10k.bench.js [steps=10000]
import { crossEntropy, liveTensors, manualSeed, randint, randn, setNumThreads, tidy } from '../src/tensor/index.js';
import { buildZoo } from '../src/nn/index.js';
import { Sgd } from '../src/optim/index.js';

const steps = Number(process.argv[2] ?? 10000);
setNumThreads(2);
manualSeed(0);
const model = buildZoo('lenet5', { input: [1, 28, 28], classes: 10 });
const opt = new Sgd(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
const x = randn([32, 1, 28, 28]);
const y = randint(10, [32]);
const mb = (): number => process.memoryUsage().rss / 2 ** 20;
const samples: { step: number; rssMb: number; liveTensors: number }[] = [];
const t0 = Date.now();
for (let s = 1; s <= steps; s++) {
  tidy(() => crossEntropy(model.forward(x, true), y).backward());
  opt.step();
  opt.zeroGrad();
  if (s % 1000 === 0) samples.push({ step: s, rssMb: mb(), liveTensors: liveTensors() });
}
const first = samples[0]!;
const last = samples[samples.length - 1]!;
for (const p of samples) console.log(`step ${p.step}: RSS ${p.rssMb.toFixed(1)} MiB, live tensors ${p.liveTensors}`);
console.log(JSON.stringify({ bench: 'rss-10k', steps, seconds: (Date.now() - t0) / 1000, rssAt1000Mb: first.rssMb, rssAtEndMb: last.rssMb, growth: last.rssMb / first.rssMb - 1, samples }));
