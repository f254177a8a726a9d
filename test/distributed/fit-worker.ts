// One rank of the equivalence test: trains the zoo's mlp on an MNIST subset with `fit` and prints the epochs as
// JSON. argv: worldSize [rank port]; worldSize 1 runs without a process group.
import { manualSeed, setNumThreads } from '../../src/tensor/index.js';
import { buildZooGraph, type ZooArch } from '../../src/zoo/index.js';
import { openDataset } from '../../src/data/index.js';
import { fit } from '../../src/distill/index.js';
import { ProcessGroup } from '../../src/distributed/index.js';

const [worldSize, rank, port] = process.argv.slice(2).map(Number) as [number, number, number];
setNumThreads(1);
manualSeed(0);
const ds = await openDataset('mnist', { trainSubset: 1000, valSize: 300, seed: 0 });
// FIT_MODEL_1 gives rank 1 another model (to check that the ranks notice)
const model = (rank === 1 && process.env['FIT_MODEL_1']) || process.env['FIT_MODEL'] || 'mlp';
const g = buildZooGraph(model as ZooArch, { input: ds.shape, classes: 10 });
const group = worldSize > 1 ? ProcessGroup.join({ rank, worldSize, masterAddr: '127.0.0.1', masterPort: port, timeoutMs: 30_000, backend: 'gloo' }) : undefined;
// 1000 rows in global batches of 75: the last batch has 25 rows, cut 12 + 13, so the shard weighting is exercised
const r = await fit(g, ds, { epochs: 2, batchSize: 75, lr: 0.05, optimizer: 'sgd', weightDecay: 5e-4, seed: 1, device: 'cpu', ...(group ? { parallel: group } : {}) });
group?.close();
console.log(JSON.stringify({ epochs: r.epochs.map((e) => ({ trainLoss: e.trainLoss, valAccuracy: e.valAccuracy })), bestValAccuracy: r.bestValAccuracy }));
g.dispose();
