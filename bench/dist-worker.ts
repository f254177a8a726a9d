// One rank of bench/distributed.bench.ts. argv: role worldSize rank port [role args]; prints one JSON line.
//   fit MODEL ROWS BATCH EPOCHS: images/s of `fit` (global images over epoch time) on an MNIST subset, 1 thread,
//     and the rank's CPU seconds over the fit
//   allreduce MIB ITERS: seconds per allreduce of a float32 tensor of MIB MiB over Gloo (after 3 warm-up calls)
import { allReduce, barrier, manualSeed, setNumThreads, zeros } from '../src/tensor/index.js';
import { buildZooGraph, type ZooArch } from '../src/zoo/index.js';
import { openDataset } from '../src/data/index.js';
import { fit } from '../src/distill/index.js';
import { ProcessGroup } from '../src/distributed/index.js';

const [role, ws, rank, port, ...rest] = process.argv.slice(2) as [string, string, string, string, ...string[]];
const worldSize = Number(ws);
setNumThreads(1);
const group = worldSize > 1 ? ProcessGroup.join({ rank: Number(rank), worldSize, masterAddr: '127.0.0.1', masterPort: Number(port), timeoutMs: 600_000, backend: 'gloo' }) : undefined;
if (role === 'fit') {
  const [model, rows, batch, epochs] = rest as [string, string, string, string];
  manualSeed(0);
  const ds = await openDataset('mnist', { trainSubset: Number(rows), valSize: 256, seed: 0 });
  const g = buildZooGraph(model as ZooArch, { input: ds.shape, classes: 10 });
  const cpu0 = process.cpuUsage();
  const r = await fit(g, ds, { epochs: Number(epochs), batchSize: Number(batch), lr: 0.02, optimizer: 'sgd', weightDecay: 5e-4, seed: 0, device: 'cpu', augment: null, ...(group ? { parallel: group } : {}) });
  const cpu = process.cpuUsage(cpu0);
  // this rank's CPU seconds over the whole fit (training and validation): the work, whatever the machine's load
  console.log(JSON.stringify({ imagesPerSec: r.epochs.map((e) => e.imagesPerSec), cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
} else if (role === 'allreduce') {
  const [mib, iters] = rest.map(Number) as [number, number];
  const t = zeros([(mib << 20) / 4]);
  for (let i = 0; i < 3; i++) allReduce([t]);
  barrier();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) allReduce([t]);
  console.log(JSON.stringify({ seconds: Number(process.hrtime.bigint() - t0) / 1e9 / iters }));
}
group?.close();
