import { argmax, contiguous, crossEntropy, eq, manualSeed, noGrad, setNumThreads, sum, tidy, toDevice, type Tensor } from '../tensor/index.js';
import { buildZoo, type Arch, type Module } from '../nn/index.js';
import { Sgd, cosineSchedule } from '../optim/index.js';
import { BatchLoader, openDataset, prefetchEpoch, toTensors, type Batch, type Dataset } from '../data/index.js';

export type DemoOptions = {
  arch: Arch;
  data: string;
  epochs: number;
  batchSize: number;
  lr: number;
  threads: number;
  seed: number;
  device: string;
  trainSubset?: number;
  onLine?: (line: string) => void;
};

export type DemoResult = {
  arch: Arch;
  data: string;
  params: number;
  epochs: { epoch: number; trainLoss: number; valAccuracy: number; seconds: number; imagesPerSec: number }[];
  testAccuracy: number;
};

function place(t: Tensor, device: string): Tensor {
  const moved = device === 'cpu' ? t : toDevice(t, device);
  return t.rank === 4 ? contiguous(moved, 'channels_last') : moved;
}

function batchTensors(b: Batch, device: string): { x: Tensor; y: Tensor } {
  const { x, y } = toTensors(b);
  return { x: place(x, device), y: device === 'cpu' ? y : toDevice(y, device) };
}

/** Top-1 accuracy of a model on one split, in eval mode. */
export async function accuracy(model: Module, ds: Dataset, split: 'val' | 'test', device: string, batchSize = 256): Promise<number> {
  const loader = BatchLoader.of(ds, split, { batchSize });
  let correct = 0;
  let seen = 0;
  for await (const b of prefetchEpoch(loader)) {
    correct += noGrad(() => tidy(() => {
      const { x, y } = batchTensors(b, device);
      return sum(eq(argmax(model.forward(x, false), 1), y)).item();
    }));
    seen += b.n;
  }
  return seen ? correct / seen : 0;
}

/**
 * The engine's demo: trains a zoo model on a dataset with SGD (momentum 0.9, Nesterov, weight decay 5e-4, cosine
 * schedule), reports validation accuracy per epoch and test accuracy at the end.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const say = o.onLine ?? (() => undefined);
  setNumThreads(o.threads);
  manualSeed(o.seed);
  const ds = await openDataset(o.data, { seed: o.seed, ...(o.trainSubset === undefined ? {} : { trainSubset: o.trainSubset }) });
  say(`${ds.name}: ${ds.train.indices.length} train, ${ds.val.indices.length} val, ${ds.test.indices.length} test images of ${ds.shape.join('x')}, ${ds.classes.length} classes`);
  const model = buildZoo(o.arch, { input: ds.shape, classes: ds.classes.length });
  model.mapTensors((t) => place(t, o.device));
  const params = model.parameterCount();
  say(`${o.arch}: ${params} parameters`);
  const loader = BatchLoader.of(ds, 'train', { batchSize: o.batchSize, seed: o.seed });
  const opt = new Sgd(model.parameters(), { lr: o.lr, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
  const schedule = cosineSchedule({ lr: o.lr, total: o.epochs * loader.batchesPerEpoch, warmup: Math.min(100, loader.batchesPerEpoch) });
  const epochs: DemoResult['epochs'] = [];
  let step = 0;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const t0 = process.hrtime.bigint();
    let lossSum = 0;
    let images = 0;
    for await (const b of prefetchEpoch(loader)) {
      opt.lr = schedule(step++);
      lossSum += b.n * tidy(() => {
        const { x, y } = batchTensors(b, o.device);
        const loss = crossEntropy(model.forward(x, true), y);
        loss.backward();
        return loss.item();
      });
      opt.step();
      opt.zeroGrad();
      images += b.n;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const valAccuracy = await accuracy(model, ds, 'val', o.device);
    const row = { epoch, trainLoss: lossSum / Math.max(1, images), valAccuracy, seconds, imagesPerSec: images / seconds };
    epochs.push(row);
    say(`epoch ${epoch}/${o.epochs}: train loss ${row.trainLoss.toFixed(4)}, val accuracy ${(100 * valAccuracy).toFixed(2)}%, ${row.imagesPerSec.toFixed(0)} images/s`);
  }
  const testAccuracy = await accuracy(model, ds, 'test', o.device);
  say(`test accuracy ${(100 * testAccuracy).toFixed(2)}%`);
  opt.dispose();
  model.dispose();
  return { arch: o.arch, data: o.data, params, epochs, testAccuracy };
}
