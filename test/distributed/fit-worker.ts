// One rank of the equivalence test: trains a zoo model (FIT_MODEL, default mlp) on an MNIST subset with `fit` and
// prints the epochs as JSON. argv: worldSize [rank port]; worldSize 1 runs without a process group. FIT_BATCH sets
// the global batch (default 75), FIT_LR the learning rate (default 0.05); FIT_DROPOUT=1 puts a Dropout (ratio 0.5)
// after the model's first Relu.
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
if (process.env['FIT_DROPOUT'] === '1') {
  const at = g.nodes.findIndex((n) => n.opType === 'Relu');
  const relu = g.nodes[at]!.outputs[0]!;
  const dropped = `${relu}.dropped`;
  const uses = g.nodes.map((n) => ({ ...n, inputs: n.inputs.map((i) => (i === relu ? dropped : i)) }));
  uses.splice(at + 1, 0, { name: 'dropout', opType: 'Dropout', domain: '', inputs: [relu], outputs: [dropped], attrs: { ratio: { kind: 'float', value: 0.5 } } });
  g.nodes.splice(0, g.nodes.length, ...uses);
}
const group = worldSize > 1 ? ProcessGroup.join({ rank, worldSize, masterAddr: '127.0.0.1', masterPort: port, timeoutMs: 30_000, backend: 'gloo' }) : undefined;
// 700 training rows in global batches of 75: the last batch has 25 rows, cut 12 + 13, so the shard weighting is
// exercised; in batches of 233 the last has 1 row, and rank 0's shard of it is empty
const batchSize = Number(process.env['FIT_BATCH'] ?? 75);
const lr = Number(process.env['FIT_LR'] ?? 0.05);
const r = await fit(g, ds, { epochs: 2, batchSize, lr, optimizer: 'sgd', weightDecay: 5e-4, seed: 1, device: 'cpu', ...(group ? { parallel: group } : {}) });
group?.close();
console.log(JSON.stringify({ epochs: r.epochs.map((e) => ({ trainLoss: e.trainLoss, valAccuracy: e.valAccuracy })), bestValAccuracy: r.bestValAccuracy }));
g.dispose();
